/**
 * Probe: what an edge's bus spends to subscribe a stream it does not read yet, as when it takes
 * over the sockets of a pod that died: 1,000 empty streams subscribed at once on a NatsBus
 * (nats-server started here, connection made as the edge makes it), five rounds of new streams.
 * Prints CPU and wall time per subscribe and the JetStream API requests the round made; read the
 * later rounds (JIT warm), or the median of the later half that ends the output (rounds vary by
 * ±50% on a shared host: give more rounds to compare two builds).
 *
 *   node --import tsx loadtest/probes/stream-subscribe.ts [rounds, default 5]
 */
import { connectNats, NatsBus } from '@herald/bus';
import { startLocalNats } from '@herald/local-nats';

const STREAMS = 1000;
const ROUNDS = Number(process.argv[2] ?? 5);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) {
  console.error('usage: node --import tsx loadtest/probes/stream-subscribe.ts [rounds, a whole number of 1 or more]');
  process.exit(64);
}
const cpuPerSubscribe: number[] = [];
const nats = await startLocalNats();
const nc = await connectNats({ servers: nats.urls, name: 'probe-stream-subscribe' });
const counter = await connectNats({ servers: nats.urls, name: 'probe-counter' });
try {
  const bus = await NatsBus.start(nc);
  let apiRequests = 0;
  const api = counter.subscribe('$JS.API.>', {
    callback: () => {
      apiRequests++;
    },
  });
  await counter.flush();
  for (let round = 1; round <= ROUNDS; round++) {
    apiRequests = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const subs = await Promise.all(Array.from({ length: STREAMS }, (_, i) => bus.subscribe(`probe:r${round}-s${i}`, () => {})));
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const usPerSubscribe = (cpu.user + cpu.system) / STREAMS;
    cpuPerSubscribe.push(usPerSubscribe);
    await counter.flush();
    console.log(
      `round ${round}: ${usPerSubscribe.toFixed(1)} µs CPU per subscribe (process, all threads), ` +
        `${wallMs.toFixed(0)} ms for ${STREAMS}, ${apiRequests} JetStream API requests`,
    );
    for (const s of subs) s.unsubscribe();
    // The bus writes UNSUBs on the next turn: let them leave before the next round is measured.
    await new Promise((resolve) => setImmediate(resolve));
    await nc.flush();
  }
  const later = cpuPerSubscribe.slice(Math.floor(ROUNDS / 2)).sort((a, b) => a - b);
  const mid = later.length / 2;
  const median = later.length % 2 ? later[Math.floor(mid)]! : (later[mid - 1]! + later[mid]!) / 2;
  console.log(`median of rounds ${ROUNDS - later.length + 1}-${ROUNDS}: ${median.toFixed(1)} µs CPU per subscribe`);
  api.unsubscribe();
  await bus.close();
} finally {
  await nc.close();
  await counter.close();
  await nats.stop();
}
