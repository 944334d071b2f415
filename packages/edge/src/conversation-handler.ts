import { randomUUID } from 'node:crypto';
import type { Producer } from '@herald/producer';
import type { LocalActions } from '@herald/session';

/**
 * Reference backend for `AiConversationChannel.send_message` in embedded mode:
 * persist the user's message, answer `ai_response_queued`, then stream a reply
 * as `ai_response_streaming` chunks and `ai_response_complete`, all through the
 * producer (so every subscriber, on any dialect, sees the same events).
 */
export function registerConversationHandlers(actions: LocalActions, producer: Producer, chunkDelayMs = 40): void {
  actions.handle('AiConversationChannel', 'send_message', async (req) => {
    const conversationId = req.params['conversation_id'] as string;
    const content = String((req.data as { content: unknown }).content);
    const stream = `ai_conversation:${conversationId}`;
    const messageId = randomUUID();
    const now = new Date().toISOString();
    await producer.publish({
      streams: [stream],
      event: 'message_created',
      resource_type: 'ai_message',
      resource_id: messageId,
      payload: { id: messageId, conversation_id: conversationId, content, sender_type: 'user', user_id: req.identity.userId, created_at: now },
    });
    const responseId = randomUUID();
    await producer.publish({ streams: [stream], event: 'ai_response_queued', resource_type: 'ai_message', resource_id: responseId, payload: { message_id: responseId, conversation_id: conversationId } });
    void streamReply(producer, stream, conversationId, responseId, content, chunkDelayMs);
    return { status: 'ai_response_queued', message_id: messageId, response_id: responseId };
  });
}

async function streamReply(producer: Producer, stream: string, conversationId: string, responseId: string, prompt: string, delayMs: number): Promise<void> {
  const words = `You said: ${prompt.slice(0, 200)}. This is Herald's embedded reference agent answering.`.split(' ');
  let text = '';
  for (const [i, word] of words.entries()) {
    await new Promise((r) => setTimeout(r, delayMs));
    const chunk = (i === 0 ? '' : ' ') + word;
    text += chunk;
    await producer.publish({ streams: [stream], event: 'ai_response_streaming', resource_type: 'ai_message', resource_id: responseId, payload: { message_id: responseId, conversation_id: conversationId, chunk, index: i } });
  }
  await producer.publish({
    streams: [stream],
    event: 'ai_response_complete',
    resource_type: 'ai_message',
    resource_id: responseId,
    payload: { id: responseId, conversation_id: conversationId, content: text, sender_type: 'ai', completed_at: new Date().toISOString() },
  });
}
