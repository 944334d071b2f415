import { sleep } from '../harness.js';
import type { PublishGroup } from '../protocol.js';
import type { Mode } from '../systems.js';
import { basePlan, type BenchResult, connectAll, deliveryRow, edgesFor, measure, type RunOptions, scaled, type Scenario, subscribeFrame, withRun } from './common.js';

const STREAMS = 300;
const SUBSCRIBERS_PER_STREAM = 10;
const STREAMS_PER_PUBLISH = 30;
const TOKENS_PER_S = 40; // per stream: a fast model
const DURATION_MS = 8000;

/**
 * AI token streaming: 300 live-only conversation streams (AiStreamingChannel,
 * no history), 10 viewers each, 40 tiny events per second per stream. Each
 * publish carries one token to 30 streams (the HTTP API's multi-stream
 * publish), so the publisher is not the bottleneck; the edge still encodes and
 * fans out per stream.
 */
export const tokenStream: Scenario = {
  name: 'token-stream',
  summary: '300 live-only streams × 10 viewers, 40 tiny events/s per stream',
  async run(mode: Mode, o: RunOptions): Promise<BenchResult[]> {
    const n = scaled(STREAMS * SUBSCRIBERS_PER_STREAM, o);
    const edges = edgesFor(mode);
    return withRun(mode, { edges }, n, o, async (run) => {
      for (let k = 0; k < STREAMS; k++) await run.system.setOwner('ai_conversation', `conv-${k}`, 'bench');
      const frame = subscribeFrame(mode, 'AiStreamingChannel', '{"conversation_id":"conv-{i%300}"}', 'ai_streaming:conversation:conv-{i%300}');
      await connectAll(run, n, basePlan(run.system, [frame], { concurrency: 200 }), o.log);
      await sleep(500);
      const groups: PublishGroup[] = [];
      for (let g = 0; g < STREAMS / STREAMS_PER_PUBLISH; g++) {
        groups.push({ tag: g, streams: Array.from({ length: STREAMS_PER_PUBLISH }, (_, j) => `ai_streaming:conversation:conv-${g * STREAMS_PER_PUBLISH + j}`) });
      }
      const rate = (TOKENS_PER_S * STREAMS) / STREAMS_PER_PUBLISH;
      const w = await measure(run, groups, rate, DURATION_MS);
      return [await deliveryRow(run, w, 'token-stream', mode, n, [`{i%${STREAMS}/${STREAMS_PER_PUBLISH}}`], o, { streams: STREAMS, events_per_s: TOKENS_PER_S * STREAMS })];
    });
  },
};
