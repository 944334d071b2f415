import { iso, pick, type DemoContext, type DemoTask } from './context.js';
import type { DemoResources } from './resources.js';

const EXCHANGES: readonly { question: string; answer: string }[] = [
  { question: 'What changed in the last deploy?', answer: 'The last deploy rolled out the new billing webhook handler and raised the edge replica count from 2 to 3. No errors were reported during the rollout.' },
  { question: 'Summarize open incidents.', answer: 'There is one open incident: elevated latency on the EU ingest path since 14:05 UTC. Mitigation is in progress and customers have been notified.' },
  { question: 'Which workflow failed most this week?', answer: 'The Research digest workflow failed twice, both times at the Fetch sources node because an upstream API returned 502.' },
];

/**
 * AI chat with token streaming, now and then: the user's `message_created`
 * and `ai_response_queued` on the conversation stream, then one
 * `ai_response_streaming` chunk per fast tick on the live-only
 * `ai_streaming:conversation:{id}` stream, and `ai_response_complete` on both.
 */
export function streamingTask(ctx: DemoContext, res: DemoResources): DemoTask {
  const TICKS_PER_INTERVAL = 4;
  const conversationId = res.conversations[0]!;
  const agent = res.agents[0]!;
  let tick = 0;
  let messageSeq = 0;
  let active: { messageId: string; chunks: string[]; sent: number; startedAt: string; text: string } | undefined;

  const conversationStream = `ai_conversation:${conversationId}`;
  const streamingStream = `ai_streaming:conversation:${conversationId}`;

  const message = (id: string, sender: 'user' | 'ai', content: string, now: Date, extra: Record<string, unknown> = {}) => ({
    id,
    conversation_id: conversationId,
    sender_type: sender,
    role: sender === 'ai' ? 'assistant' : 'user',
    content,
    agent: sender === 'ai' ? { id: agent.id, name: agent.name } : null,
    created_at: iso(now),
    ...extra,
  });

  const publish = (streams: string[], event: string, payload: unknown, now: Date) =>
    ctx.publish({ streams, event, resource_type: 'ai_conversation', resource_id: conversationId, payload, timestamp: iso(now) });

  async function begin(now: Date): Promise<void> {
    const ex = pick(ctx, EXCHANGES);
    const userId = `demo-msg-${++messageSeq}`;
    const aiId = `demo-msg-${++messageSeq}`;
    await publish([conversationStream], 'message_created', { message: message(userId, 'user', ex.question, now) }, now);
    await publish([conversationStream], 'ai_response_queued', { conversation_id: conversationId, message_id: aiId, agent_id: agent.id }, now);
    // Token-ish chunks: a word or two with their trailing space.
    const words = ex.answer.match(/\S+\s*/g) ?? [ex.answer];
    const chunks: string[] = [];
    for (let i = 0; i < words.length; i += 2) chunks.push(words.slice(i, i + 2).join(''));
    active = { messageId: aiId, chunks, sent: 0, startedAt: iso(now), text: ex.answer };
  }

  async function stream(a: NonNullable<typeof active>, now: Date): Promise<void> {
    const chunk = a.chunks[a.sent];
    if (chunk !== undefined) {
      a.sent += 1;
      await publish([streamingStream], 'ai_response_streaming', { conversation_id: conversationId, message_id: a.messageId, sequence: a.sent, chunk, done: false }, now);
      return;
    }
    active = undefined;
    const tokens = Math.round(a.text.length / 4);
    const done = message(a.messageId, 'ai', a.text, now, { metadata: { model: agent.model, tokens_used: tokens, streamed_chunks: a.chunks.length, started_at: a.startedAt } });
    await publish([streamingStream, conversationStream], 'ai_response_complete', { message: done, done: true }, now);
  }

  return {
    name: 'streaming',
    every: 1 / TICKS_PER_INTERVAL,
    async tick() {
      tick += 1;
      const now = ctx.now();
      if (active) return stream(active, now);
      // A new exchange shortly after start, then every 10 intervals.
      if (tick % (10 * TICKS_PER_INTERVAL) === 2) await begin(now);
    },
  };
}
