import { sleep } from '../harness.js';
import type { PublishGroup } from '../protocol.js';
import type { Mode } from '../systems.js';
import { basePlan, type BenchResult, connectAll, edgesFor, emptyResult, latencyFields, publishPlan, rssOf, type RunOptions, scaled, type Scenario, subscribeFrame, withRun } from './common.js';

const STREAMS = 100;
const RATE = 400; // events/s over all streams, during and after the outage
const DURATION_MS = 10_000;
const OUTAGE_AT_MS = 3000;

/**
 * 5,000 clients over 100 streams while events keep flowing. Cluster mode:
 * the edge holding every client is SIGKILLed and they resume with `since` on
 * the other edge. Embedded mode (one process, history in memory): every
 * client's connection drops at once and comes back after a second with
 * `since`. The raw baseline has no history: it reconnects only, and its
 * losses show what resuming saves.
 */
export const resume: Scenario = {
  name: 'resume',
  summary: '5,000 clients resuming with history replay after an edge kill (cluster) or a network drop (embedded)',
  async run(mode: Mode, o: RunOptions): Promise<BenchResult[]> {
    const n = scaled(5000, o);
    const edges = edgesFor(mode);
    return withRun(mode, { edges }, n, o, async (run) => {
      const frame = subscribeFrame(mode, 'TradingChannel', '{}', `trading:acct-{i%${STREAMS}}`);
      await connectAll(run, n, basePlan(run.system, [frame], { account: `acct-{i%${STREAMS}}`, autoResume: mode === 'cluster', pinFirst: true, concurrency: 200 }), o.log);
      await sleep(500);
      const groups: PublishGroup[] = Array.from({ length: STREAMS }, (_, k) => ({ tag: k, streams: [`trading:acct-${k}`] }));
      const publishing = run.publisher.run(publishPlan(run, groups, RATE, DURATION_MS, 60));
      await sleep(OUTAGE_AT_MS);
      const outageAt = performance.timeOrigin + performance.now();
      if (mode === 'cluster') await run.system.edges[0]!.process.kill();
      else await run.load.drop(1000);
      const published = await publishing;
      // Wait for every client to be back (or give up after 30 s).
      let s = await run.load.stats();
      for (let i = 0; i < 60 && s.raw.reduce((a, r) => a + r.resume.resumed + r.resume.failed, 0) < n; i++) {
        await sleep(500);
        s = await run.load.stats();
      }
      await sleep(1000);
      s = await run.load.stats();
      const r = s.raw.map((x) => x.resume);
      const resumed = r.reduce((a, x) => a + x.resumed, 0);
      const recovered = r.reduce((a, x) => a + x.recovered, 0);
      const failed = r.reduce((a, x) => a + x.failed, 0);
      const lastAt = Math.max(...r.map((x) => x.lastResumedAt));
      const lost = await run.load.lost(published.final, [`{i%${STREAMS}}`]);
      const allResumedS = (lastAt - outageAt) / 1000;
      o.log(`  ${resumed}/${n} back (${recovered} recovered, ${failed} failed) ${allResumedS.toFixed(2)} s after the outage; lost ${lost}, dup ${s.duplicated}, reordered ${s.reordered}`);
      return [
        {
          ...emptyResult('resume', mode, edges, n),
          connects_per_s: Math.round(resumed / Math.max(0.001, allResumedS)),
          ...latencyFields(s.latency),
          lost,
          duplicated: s.duplicated,
          reordered: s.reordered,
          rss: rssOf(run),
          extra: {
            outage: mode === 'cluster' ? 'SIGKILL of the edge holding every client' : mode === 'embedded' ? 'all connections dropped, back after 1 s' : 'all connections dropped; no history to resume from',
            all_resumed_s: Math.round(allResumedS * 100) / 100,
            resumed,
            recovered,
            failed,
            published: published.published,
          },
        },
      ];
    });
  },
};
