/**
 * Probe: how long one publish to N subscribers of a uWS topic takes on this
 * machine, split into the `app.publish` call (queues the frame) and the writes
 * that follow before the event loop turns (one `send` per socket). This is the
 * floor under every broadcast latency in docs/BENCHMARKS.md, Herald's and the
 * raw baseline's alike.
 *
 *   node --import tsx loadtest/probes/uws-fanout.ts 3000     # subscribers (default 3000)
 */
import uWS from 'uWebSockets.js';
import { Histogram } from '../bench/histogram.js';
import { LoadGenerators, sleep } from '../bench/harness.js';

const subscribers = Number(process.argv[2] ?? 3000);
const app = uWS.App().ws('/ws', {
  compression: uWS.DISABLED,
  idleTimeout: 0,
  open: (ws) => void ws.send('{"type":"welcome"}'),
  // The load client subscribes with one frame (id 1) and waits for the answer.
  message: (ws) => {
    ws.subscribe('t');
    ws.send('{"type":"subscribed","id":1,"streams":[]}');
  },
});
const port = await new Promise<number>((resolve, reject) =>
  app.listen('127.0.0.1', 0, (token) => (token ? resolve(uWS.us_socket_local_port(token)) : reject(new Error('cannot listen')))),
);

const load = LoadGenerators.forConnections(subscribers);
const connected = await load.connect(subscribers, {
  urls: [`ws://127.0.0.1:${port}`],
  path: '/ws',
  secret: 'probe-secret-that-is-long-enough-for-hs256',
  user: 'u{i}',
  account: 'a',
  subscribe: ['{"type":"subscribe","id":1}'],
  concurrency: 200,
});
await sleep(500);

const publishMs = new Histogram();
const writesMs = new Histogram();
for (let i = 1; i <= 20; i++) {
  const t0 = performance.now();
  app.publish('t', `{"type":"event","payload":{"b":0,"seq":${i},"t":0}}`, false, false);
  const t1 = performance.now();
  publishMs.record(t1 - t0);
  // The queued frames are written when the loop iteration ends; setImmediate runs after that.
  await new Promise<void>((r) => setImmediate(r));
  writesMs.record(performance.now() - t1);
  await sleep(100);
}
console.log(
  `${connected.connected} subscribers: app.publish p50 ${publishMs.percentile(0.5)} ms, writes until the loop turns p50 ${writesMs.percentile(0.5)} ms (max ${writesMs.max.toFixed(1)} ms)`,
);
await load.close();
process.exit(0);
