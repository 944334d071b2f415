/**
 * Probe: what one JetStream direct get costs the client, two ways: nats.js's
 * `jsm.direct.getMessage` and packages/bus's `DirectGets` (one inbox subscription, no per-call
 * timer or error objects). An edge makes one per stream it starts reading (last_by_subj) and
 * one per missed event when a client resumes (next_by_subj). A real nats-server on loopback;
 * 5,000 subjects, a few with an event and most without, read in bursts of 1,000 at once as in a
 * connect storm; then 1,000 events of one subject read one after another (`next_by_subj`), as a
 * resume replays them. Client CPU (process.cpuUsage) per get; each way runs three rounds, read
 * the later ones (JIT warm).
 *
 *   node --import tsx loadtest/probes/direct-get.ts
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { connectNats, DirectGets } from '@herald/bus';
import { startLocalNats } from '@herald/local-nats';

const SUBJECTS = 5000;
const BURST = 1000;
const REPLAYED = 1000;
const nats = await startLocalNats();
const nc = await connectNats({ servers: nats.urls, name: 'direct-get-probe' });
try {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: 'PROBE', subjects: ['probe.>'], allow_direct: true });
  const js = jsm.jetstream();
  for (let i = 0; i < SUBJECTS; i += 50) await js.publish(`probe.s${i}`, new TextEncoder().encode(`{"n":${i}}`));
  for (let i = 0; i < REPLAYED; i++) await js.publish('probe.replay', new TextEncoder().encode(`{"n":${i}}`));
  const gets = new DirectGets(nc, 'PROBE');
  type Way = [string, (query: { last_by_subj: string } | { next_by_subj: string; seq: number }) => Promise<{ seq: number } | null>];
  const ways: Way[] = [
    ['nats.js jsm.direct.getMessage', (q) => jsm.direct.getMessage('PROBE', q)],
    ['DirectGets.get', (q) => gets.get(q)],
  ];
  const perGet = (us: number, n: number): string => (us / n).toFixed(1);
  for (const round of [1, 2, 3]) {
    for (const [name, get] of ways) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      let found = 0;
      for (let from = 0; from < SUBJECTS; from += BURST) {
        const got = await Promise.all(Array.from({ length: BURST }, (_, k) => get({ last_by_subj: `probe.s${from + k}` })));
        found += got.filter(Boolean).length;
      }
      const cpu = process.cpuUsage(cpu0);
      console.log(
        `round ${round}, ${name}, bursts: ${perGet(cpu.user + cpu.system, SUBJECTS)} µs CPU per get (user ${perGet(cpu.user, SUBJECTS)}), ${perGet((performance.now() - t0) * 1000, SUBJECTS)} µs wall; ${found} found`,
      );
      const replayCpu0 = process.cpuUsage();
      const replay0 = performance.now();
      let replayed = 0;
      for (let seq = 0, m = await get({ next_by_subj: 'probe.replay', seq: 1 }); m; m = await get({ next_by_subj: 'probe.replay', seq: seq + 1 })) {
        seq = m.seq;
        replayed++;
      }
      const replayCpu = process.cpuUsage(replayCpu0);
      console.log(
        `round ${round}, ${name}, one after another: ${perGet(replayCpu.user + replayCpu.system, replayed)} µs CPU per get, ${perGet((performance.now() - replay0) * 1000, replayed)} µs wall; ${replayed} replayed`,
      );
    }
  }
  gets.close();
} finally {
  await nc.close();
  await nats.stop();
}
