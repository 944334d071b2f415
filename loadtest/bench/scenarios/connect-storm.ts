import { cpuPercent, listenOverflows, sampleAll, sleep } from '../harness.js';
import type { Mode } from '../systems.js';
import { basePlan, type BenchResult, connectAll, edgesFor, emptyResult, latencyFields, rssOf, type RunOptions, scaled, type Scenario, subscribeFrame, withRun } from './common.js';

/**
 * 10,000 clients, each with its own signed JWT (signed before the clock
 * starts), connect at once and subscribe. Connects/s counts authenticated,
 * subscribed sockets; cluster mode spreads them over two edges.
 */
export const connectStorm: Scenario = {
  name: 'connect-storm',
  summary: '10,000 clients with JWTs connecting at once, then subscribing',
  async run(mode: Mode, o: RunOptions): Promise<BenchResult[]> {
    const n = scaled(10_000, o);
    const edges = edgesFor(mode);
    return withRun(mode, { edges }, n, o, async (run) => {
      const frame = subscribeFrame(mode, 'TradingChannel', '{}', 'trading:acct-{i%1000}');
      // Every generator opens its whole share at once; the probe connects afterwards and is not timed.
      const before = sampleAll(run.system.processes());
      const overflowsBefore = listenOverflows();
      const c = await connectAll(run, n, basePlan(run.system, [frame], { account: 'acct-{i%1000}', concurrency: 20_000 }), o.log, 1);
      // The servers are idle while the generators sign tokens: their CPU time over the storm's duration.
      const cpu = cpuPercent(before, sampleAll(run.system.processes()), c.seconds);
      // SYNs the kernel dropped because an accept queue was full: each costs its client a 1 s retransmit.
      const overflows = listenOverflows() - overflowsBefore;
      await sleep(500);
      const perEdge = Math.round(c.stormConnected / c.seconds / edges);
      // The servers' CPU time per connect: on 2 cores shared with the generators the rate moves from run to run, this much less.
      const serverCpuSeconds = Object.entries(cpu)
        .filter(([name]) => /^(edge|uws)-/.test(name))
        .reduce((sum, [, pct]) => sum + (pct / 100) * c.seconds, 0);
      const cpuUsPerConnect = Math.round((serverCpuSeconds * 1e6) / c.stormConnected);
      o.log(`  ${perEdge} connects/s per edge; connect p50 ${c.connectMs.percentile(0.5)} ms, p99 ${c.connectMs.percentile(0.99)} ms; server cpu ${JSON.stringify(cpu)}, ${cpuUsPerConnect} µs per connect; accept-queue overflows ${overflows}`);
      return [
        {
          ...emptyResult('connect-storm', mode, edges, n),
          connects_per_s: Math.round(c.stormConnected / c.seconds),
          ...latencyFields(c.connectMs),
          cpu,
          rss: rssOf(run),
          extra: { connects_per_s_per_edge: perEdge, server_cpu_us_per_connect: cpuUsPerConnect, listen_overflows: overflows, latency: 'p50/p99 columns are TCP connect → welcome times' },
        },
      ];
    });
  },
};
