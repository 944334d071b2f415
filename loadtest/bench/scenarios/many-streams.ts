import { sleep } from '../harness.js';
import type { PublishGroup } from '../protocol.js';
import type { Mode } from '../systems.js';
import { basePlan, type BenchResult, connectAll, deliveryRow, edgesFor, measure, type RunOptions, scaled, type Scenario, subscribeFrame, withRun } from './common.js';

const SHARED_TAG = 1_000_000;
const RATE = 2000; // publishes/s
const DURATION_MS = 8000;

/**
 * 10,000 connections, each reading its own stream (its user inbox) and one
 * shared stream (the account inbox), through the Inbox channel. The publisher
 * goes round-robin over the 10,000 personal streams and, once per 100 of
 * them, the shared one: mostly one-to-one traffic over many streams, plus
 * broadcasts.
 */
export const manyStreams: Scenario = {
  name: 'many-streams',
  summary: '10,000 connections, each on its own stream plus a shared one, mixed traffic',
  async run(mode: Mode, o: RunOptions): Promise<BenchResult[]> {
    const n = scaled(10_000, o);
    const edges = edgesFor(mode);
    return withRun(mode, { edges }, n, o, async (run) => {
      const subscribe =
        mode === 'baseline'
          ? [subscribeFrame(mode, '', '', 'inbox:user:u{i}', 1), subscribeFrame(mode, '', '', 'inbox:account:bench', 2)]
          : [subscribeFrame(mode, 'Inbox', '{}', '', 1)];
      await connectAll(run, n, basePlan(run.system, subscribe, { concurrency: 200 }), o.log);
      await sleep(500);
      const groups: PublishGroup[] = [];
      for (let i = 0; i < n; i++) {
        groups.push({ tag: i, streams: [`inbox:user:u${i}`] });
        if (i % 100 === 99) groups.push({ tag: SHARED_TAG, streams: ['inbox:account:bench'] });
      }
      const w = await measure(run, groups, RATE, DURATION_MS, 60);
      return [await deliveryRow(run, w, 'many-streams', mode, n, ['{i}', String(SHARED_TAG)], o, { publishes_per_s: RATE, streams: n + 1 })];
    });
  },
};
