/**
 * Probe: what uWebSockets.js does with a subscriber that stops reading.
 * A raw TCP client upgrades, reads a little, then pauses; the server publishes
 * 30 MB to its topic. Run both modes:
 *
 *   node --import tsx loadtest/probes/uws-backpressure.ts drop    # closeOnBackpressureLimit off
 *   node --import tsx loadtest/probes/uws-backpressure.ts close   # on (what the edge uses)
 *
 * "drop" shows frames skipped silently (the client gets far less than was
 * published and is never told); "close" shows the socket closed instead: the
 * client, reading again, gets what was buffered and then the end of the
 * connection, so it reconnects and resumes from its offset.
 */
import net from 'node:net';
import uWS from 'uWebSockets.js';

const mode = process.argv[2] === 'close' ? 'close' : 'drop';
const MESSAGE = 'x'.repeat(1000);
const COUNT = 30_000;
let serverClose: number | undefined;
let resumed = false;
let clientEndMs: number | undefined;

const app = uWS.App().ws('/*', {
  maxBackpressure: 64 * 1024,
  closeOnBackpressureLimit: mode === 'close' ? 1 : 0,
  idleTimeout: 0,
  open: (ws) => void ws.subscribe('t'),
  close: (_ws, code) => void (serverClose = code),
});

app.listen('127.0.0.1', 0, (token) => {
  if (!token) throw new Error('cannot listen');
  const client = net.connect(uWS.us_socket_local_port(token), '127.0.0.1', () => {
    client.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
  });
  let received = 0;
  client.on('data', (d) => {
    received += d.length;
    if (received > 100 && !resumed && !client.isPaused()) client.pause();
  });
  client.on('error', () => {});
  const started = Date.now();
  // The end of the connection, once the client has read what was buffered before it: what tells it to reconnect.
  for (const event of ['end', 'close']) client.on(event, () => (clientEndMs ??= Date.now() - started));
  setTimeout(() => {
    for (let i = 0; i < COUNT; i++) app.publish('t', MESSAGE);
    setTimeout(() => {
      resumed = true; // reads on from here: whatever the server still sends, and the end if it closed
      client.resume();
    }, 300);
    setTimeout(() => {
      const published = COUNT * MESSAGE.length;
      console.log(JSON.stringify({ mode, published_bytes: published, received_bytes: received, lost_bytes: Math.max(0, published - received), server_close_code: serverClose ?? null, client_saw_end_ms: clientEndMs ?? null }));
      process.exit(0);
    }, 1500);
  }, 200);
});
