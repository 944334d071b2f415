/**
 * The raw uWebSockets.js ceiling: the least a push server can do. No auth, no
 * authz, no history store, no metrics: a socket subscribes to a uWS topic per
 * stream, and `POST /v1/publish` builds one frame per stream, shaped like
 * Herald's event frames, and publishes it once. Every benchmark runs against
 * this with the same clients, so Herald's figures have their ceiling beside them.
 *
 *   node --import tsx loadtest/bench/baseline-server.ts <port> <listen sockets>
 *
 * Like a Herald edge (HERALD_LISTEN_SOCKETS), it listens with several SO_REUSEPORT sockets; the
 * harness passes the edges' count, so a connect storm meets the same accept queues on both.
 */
import uWS from 'uWebSockets.js';

const port = Number(process.argv[2] ?? 9001);
const listenSockets = Number(process.argv[3] ?? 1);
const app = uWS.App();
const offsets = new Map<string, number>();
const EPOCH = 'baseline';

app.ws('/ws', {
  compression: uWS.DISABLED,
  maxPayloadLength: 64 * 1024,
  maxBackpressure: 1024 * 1024,
  closeOnBackpressureLimit: 1,
  idleTimeout: 120,
  sendPingsAutomatically: true,
  open: (ws) => void ws.send('{"type":"welcome"}'),
  message: (ws, message) => {
    const frame = JSON.parse(Buffer.from(message).toString()) as { type?: string; id?: unknown; stream?: string };
    if (frame.type !== 'subscribe' || typeof frame.stream !== 'string') return void ws.send(`{"type":"error","id":${JSON.stringify(frame.id ?? null)}}`);
    ws.subscribe(frame.stream);
    const state = { stream: frame.stream, epoch: EPOCH, offset: offsets.get(frame.stream) ?? 0, history: false };
    ws.send(JSON.stringify({ type: 'subscribed', streams: [state], id: frame.id }));
  },
});

app.post('/v1/publish', (res) => {
  let aborted = false;
  res.onAborted(() => (aborted = true));
  const chunks: Buffer[] = [];
  res.onData((chunk, last) => {
    chunks.push(Buffer.from(chunk.slice(0)));
    if (!last) return;
    const body = JSON.parse(Buffer.concat(chunks).toString()) as { streams: string[]; event: string; payload: unknown };
    const envelope = `{"event":${JSON.stringify(body.event)},"payload":${JSON.stringify(body.payload)},"timestamp":"${new Date().toISOString()}"}`;
    const acks: string[] = [];
    for (const stream of body.streams) {
      const offset = (offsets.get(stream) ?? 0) + 1;
      offsets.set(stream, offset);
      app.publish(stream, `{"type":"event","stream":${JSON.stringify(stream)},"epoch":"${EPOCH}","offset":${offset},"event":${envelope}}`, false, false);
      acks.push(`{"stream":${JSON.stringify(stream)},"offset":${offset},"epoch":"${EPOCH}"}`);
    }
    if (!aborted) res.cork(() => res.writeHeader('content-type', 'application/json').end(`{"streams":[${acks.join(',')}]}`));
  });
});

app.get('/readyz', (res) => void res.end('ok'));

for (let i = 0; i < listenSockets; i++) {
  app.listen('127.0.0.1', port, (token) => {
    if (!token) {
      console.error(`baseline: cannot listen on ${port}`);
      process.exit(1);
    }
    if (i === 0) console.error(`baseline uWS server on ${port} (${listenSockets} listen sockets)`);
  });
}
