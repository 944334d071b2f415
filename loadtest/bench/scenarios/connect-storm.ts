import { cpuPercent, cpuUsPer, listenOverflows, sampleCpu, sleep } from '../harness.js';
import type { Mode } from '../systems.js';
import { basePlan, type BenchResult, connectAll, edgesFor, emptyResult, latencyFields, rssOf, type Run, type RunOptions, scaled, type Scenario, subscribeFrame, withRun } from './common.js';

/**
 * 10,000 clients, each with its own signed JWT (signed before the clock
 * starts), connect at once and subscribe. Connects/s counts authenticated,
 * subscribed sockets; cluster mode spreads them over two edges.
 *
 * Three storms per run, each of other users in 1,000 other accounts (so the edges subscribe new
 * streams, as an edge taking over the sockets of a pod that died does), each after the previous
 * storm's clients left: `cold` meets freshly started edges, whose code V8 has not compiled yet (a
 * pod that starts into a reconnect wave); `warm` is the second, while V8 still re-optimizes the
 * little the first disconnects invalidate (docs/benchmarks/cold-edge.md); `steady` is the third, an edge
 * that has been serving a while.
 * `--storms <n>` runs more (`storm 4`, …) to check that the third is steady.
 */
export const connectStorm: Scenario = {
  name: 'connect-storm',
  summary: '10,000 clients with JWTs connecting at once, then subscribing; on a cold, a warm and a steady edge',
  async run(mode: Mode, o: RunOptions): Promise<BenchResult[]> {
    const n = scaled(10_000, o);
    const edges = edgesFor(mode);
    return withRun(mode, { edges }, n, o, async (run) => {
      const results: BenchResult[] = [];
      for (let i = 0; i < (o.storms ?? 3); i++) {
        if (i > 0) {
          await run.load.disconnect();
          await sleep(2000); // the edges close the previous storm's sockets
        }
        // New users of new accounts: the previous storm's streams still linger in the hub (5 s).
        results.push(await storm(run, mode, n, { variant: `${STORMS[i] ?? `storm ${i + 1}`} edge`, firstIndex: i * n, accounts: `acct${i}-` }, o));
      }
      return results;
    });
  },
};

const STORMS: readonly string[] = ['cold', 'warm', 'steady'];

interface Storm {
  readonly variant: string;
  /** Index of the first client (user `u<index>`). */
  readonly firstIndex: number;
  /** Account name prefix: the clients spread over 1,000 accounts, one TradingChannel stream each. */
  readonly accounts: string;
}

async function storm(run: Run, mode: Mode, n: number, { variant, firstIndex, accounts }: Storm, o: RunOptions): Promise<BenchResult> {
  const edges = run.system.edges.length;
  const account = `${accounts}{i%1000}`;
  const frame = subscribeFrame(mode, 'TradingChannel', '{}', `trading:${account}`);
  // Every generator opens its whole share at once; the probe connects afterwards and is not timed.
  const before = sampleCpu(run.system.processes());
  const overflowsBefore = listenOverflows();
  const c = await connectAll(run, n, basePlan(run.system, [frame], { account, concurrency: 20_000 }), o.log, 1, firstIndex);
  // The servers are idle while the generators sign tokens: their CPU time over the storm's duration.
  const after = sampleCpu(run.system.processes());
  const cpu = cpuPercent(before, after, c.seconds);
  // The servers' CPU time per connect: on 2 cores shared with the generators the rate moves from
  // run to run, this much less. Split by thread: V8 compiles and marks on helper threads.
  const perConnect = cpuUsPer(before, after, /^(edge|uws)-/, c.stormConnected);
  // SYNs the kernel dropped because an accept queue was full: each costs its client a 1 s retransmit.
  const overflows = listenOverflows() - overflowsBefore;
  await sleep(500);
  const perEdge = Math.round(c.stormConnected / c.seconds / edges);
  const latency = latencyFields(c.connectMs);
  o.log(
    `  ${variant}: ${perEdge} connects/s per edge; connect p50 ${latency.p50_ms} ms, p99 ${latency.p99_ms} ms; server cpu ${JSON.stringify(cpu)}, ` +
      `${perConnect.total} µs per connect (main thread ${perConnect.main}, helper threads ${perConnect.helpers}); accept-queue overflows ${overflows}`,
  );
  return {
    ...emptyResult('connect-storm', mode, edges, n),
    variant,
    connects_per_s: Math.round(c.stormConnected / c.seconds),
    ...latency,
    cpu,
    rss: rssOf(run),
    extra: {
      connects_per_s_per_edge: perEdge,
      server_cpu_us_per_connect: perConnect.total,
      server_main_thread_us_per_connect: perConnect.main,
      server_helper_threads_us_per_connect: perConnect.helpers,
      listen_overflows: overflows,
      latency: 'p50/p99 columns are TCP connect → welcome times',
    },
  };
}
