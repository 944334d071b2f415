import { randomUUID } from 'node:crypto';
import { BackendError, type Producer } from '@herald/producer';
import type { DemoLog } from './context.js';

/** What a conversation handler reads from an action request (session's ActionRequest and the SDK's BackendActionRequest both fit). */
export interface ConversationActionRequest {
  readonly identity: { readonly userId: string };
  readonly params: Readonly<Record<string, string>>;
  readonly data: unknown;
}

/** Where the handler is registered: `LocalActions` in embedded mode, the producer SDK's `BackendServer` in cluster mode. */
export interface ConversationActionRegistry {
  handle(channel: string, action: string, handler: (req: ConversationActionRequest) => unknown): unknown;
}

export interface ConversationHandlerOptions {
  /** Delay between streamed reply chunks, default 40 ms. */
  readonly chunkDelayMs?: number;
  /** Failed publishes of a streamed reply (after the action was answered). */
  readonly log?: DemoLog;
}

export interface ConversationHandlers {
  /** Waits for the replies still streaming. */
  drain(): Promise<void>;
}

/**
 * Reference backend for `AiConversationChannel.send_message`: persist the
 * user's message, answer `ai_response_queued`, then stream a reply as
 * `ai_response_streaming` chunks and `ai_response_complete`, all through the
 * producer (so every subscriber, on any dialect and any edge, sees the same events).
 */
export function registerConversationHandlers(registry: ConversationActionRegistry, producer: Producer, options: ConversationHandlerOptions = {}): ConversationHandlers {
  const chunkDelayMs = options.chunkDelayMs ?? 40;
  const log: DemoLog = options.log ?? (() => {});
  const streaming = new Set<Promise<void>>();
  registry.handle('AiConversationChannel', 'send_message', async (req) => {
    // The edge validated both; a backend reached over NATS checks again rather than trusting every publisher.
    const conversationId = req.params['conversation_id'];
    const content = (req.data as { content?: unknown } | null)?.content;
    if (!conversationId) throw new BackendError('invalid_data', 'conversation_id is required');
    if (typeof content !== 'string') throw new BackendError('invalid_data', 'content must be a string');
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
    const reply = streamReply(producer, stream, conversationId, responseId, content, chunkDelayMs).catch((err: unknown) =>
      log('conversation reply failed', { conversationId, responseId, error: err instanceof Error ? err.message : String(err) }),
    );
    streaming.add(reply);
    void reply.finally(() => streaming.delete(reply));
    return { status: 'ai_response_queued', message_id: messageId, response_id: responseId };
  });
  return {
    async drain() {
      while (streaming.size > 0) await Promise.allSettled([...streaming]);
    },
  };
}

async function streamReply(producer: Producer, stream: string, conversationId: string, responseId: string, prompt: string, delayMs: number): Promise<void> {
  const words = `You said: ${prompt.slice(0, 200)}. This is Herald's reference agent answering.`.split(' ');
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
