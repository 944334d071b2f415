import { sampleAll, sleep, type ProcSample } from '../harness.js';
import type { Mode } from '../systems.js';
import { basePlan, connectAll, lostOnceSettled, emptyResult, latencyFields, measure, scaled, subscribeFrame, withRun, type BenchResult, type Run, type RunOptions, type Scenario } from './common.js';

/** Streams the idle sockets spread over (one subscription each): accounts of ~19 users. */
const STREAMS = 1000;
const SETTLE_MS = 5000;

/**
 * Lowest RSS of each process over the settle window: what the sockets retain once the garbage of
 * connecting them is collected (single samples jump with every collection).
 */
async function settledRss(run: Run): Promise<ProcSample[]> {
  let low = sampleAll(run.system.processes());
  for (let t = 0; t < SETTLE_MS; t += 500) {
    await sleep(500);
    low = sampleAll(run.system.processes()).map((s, i) => (s.rssBytes < low[i]!.rssBytes ? s : low[i]!));
  }
  return low;
}

async function idleRun(mode: Mode, edges: number, perEdge: number, o: RunOptions, variant: string): Promise<BenchResult> {
  const n = edges * perEdge;
  return withRun(mode, { edges }, n, o, async (run) => {
    // RSS per connection is the slope between half and all of the sockets: both samples include the
    // runtime's warmed-up heap (young generation, code), which is not a cost per connection.
    const plan = basePlan(run.system, [subscribeFrame(mode, 'TradingChannel', '{}', `trading:acct-{i%${STREAMS}}`)], { account: `acct-{i%${STREAMS}}`, concurrency: 200 });
    const half = Math.floor(n / 2);
    const c = await connectAll(run, half, plan, o.log);
    const before = await settledRss(run);
    await connectAll(run, n - half, plan, o.log, 10, half);
    const after = await settledRss(run);
    const rss: Record<string, number> = {};
    let grown = 0;
    for (const a of after.filter((s) => s.name.startsWith('edge') || s.name.startsWith('uws'))) {
      rss[a.name] = a.rssBytes;
      grown += a.rssBytes - (before.find((b) => b.pid === a.pid)?.rssBytes ?? 0);
    }
    // Idle, but alive: one event on every stream must reach every socket.
    const groups = Array.from({ length: STREAMS }, (_, k) => ({ tag: k, streams: [`trading:acct-${k}`] }));
    const w = await measure(run, groups, 2000, (STREAMS / 2000) * 1000 + 100);
    const lost = await lostOnceSettled(run, w.published.final, [`{i%${STREAMS}}`]);
    o.log(`  ${variant}: RSS +${Math.round(grown / (n - half))} B per connection; liveness check: ${lost} of the events published to every stream missing`);
    return {
      ...emptyResult('idle', mode, edges, n),
      variant,
      connects_per_s: Math.round(c.stormConnected / c.seconds),
      ...latencyFields(c.connectMs),
      rss_per_conn_bytes: Math.round(grown / (n - half)),
      lost,
      duplicated: w.duplicated,
      reordered: w.reordered,
      cpu: {},
      rss,
      extra: { connect_latency: 'p50/p99 columns are connect → welcome times (first half)', streams: STREAMS, rss_method: 'slope between half and all sockets, lowest RSS over 5 s after each half' },
    };
  });
}

/** 19,000 idle sockets on one edge (RSS per connection), then 4 edges × 19,000 on the machine. */
export const idle: Scenario = {
  name: 'idle',
  summary: '19,000 idle sockets on one edge, then 4 × 19,000, one subscription each: RSS per connection',
  async run(mode: Mode, o: RunOptions): Promise<BenchResult[]> {
    const perEdge = scaled(19_000, o);
    return [await idleRun(mode, 1, perEdge, o, '1 edge'), await idleRun(mode, 4, perEdge, o, '4 edges')];
  },
};
