/**
 * Probe: the JavaScript heap one idle connection costs an edge, and what it is made of. It starts
 * an embedded edge from the production build (as the bench does) with `--heapsnapshot-signal`,
 * takes a heap snapshot with no clients, connects `connections` sockets that each subscribe
 * TradingChannel for one of 1,000 accounts (the idle bench's load), takes another, and prints the
 * growth per connection by kind of object, then the objects one Session owns alone.
 *
 *   node --import tsx loadtest/probes/heap-per-connection.ts [connections=5000]
 *
 * Snapshots are taken after a full collection, so this is live heap only; the idle bench's RSS
 * adds uWS's native memory per socket and the heap's free space on top.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDevToken } from '@herald/auth';
import { TestClient } from '../../test/support/client.js';
import { SECRET, startSystem } from '../bench/systems.js';
import { growthByKind, HeapSnapshot, totalBytes } from './heap-snapshot.js';

const connections = Number(process.argv[2] ?? 5000);
if (!Number.isInteger(connections) || connections < 10 || connections > 19_000) {
  console.error('usage: heap-per-connection.ts [connections=5000] (10..19000: one client process holds them)');
  process.exit(64);
}

const dir = mkdtempSync(join(tmpdir(), 'herald-heap-'));
const system = await startSystem('embedded', { edges: 1, nodeArgs: ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`] });
const edge = system.edges[0]!;
const clients: TestClient[] = [];

/** SIGUSR2 makes the edge write a snapshot on its main thread: once /readyz answers again, the file is whole. */
async function snapshot(): Promise<HeapSnapshot> {
  const before = new Set(readdirSync(dir));
  process.kill(edge.process.pid!, 'SIGUSR2');
  for (;;) {
    await new Promise((r) => setTimeout(r, 200));
    const res = await fetch(`${edge.http}/readyz`);
    await res.arrayBuffer();
    const written = readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (written.length === 1) return HeapSnapshot.read(join(dir, written[0]!));
  }
}

/** One socket (no automatic Inbox, as in the idle bench) with its one subscription. */
async function connectOne(i: number): Promise<void> {
  const token = await signDevToken({ secret: SECRET, sub: `u${i}`, account: `acct-${i % 1000}`, ttlSec: 3600 });
  const client = await TestClient.connect(edge.ws, { token, path: '/ws?inbox=manual' });
  clients.push(client);
  const reply = await client.subscribe({ channel: 'TradingChannel', params: {} });
  if (reply['type'] !== 'subscribed') throw new Error(`socket ${i}: ${JSON.stringify(reply)}`);
}

try {
  const empty = await snapshot();
  for (let i = 0; i < connections; i += 200) {
    await Promise.all(Array.from({ length: Math.min(200, connections - i) }, (_, k) => connectOne(i + k)));
  }
  // Connecting leaves short-lived state behind (an authorization deadline lasts 5 s): let it go.
  await new Promise((r) => setTimeout(r, 6000));
  const loaded = await snapshot();
  const grown = totalBytes(loaded) - totalBytes(empty);
  const growth = growthByKind(empty, loaded, connections);
  // Code compiled while connecting is paid once, not per connection: shown, and left out of the figure.
  const code = (growth.find((r) => r.kind === 'code')?.bytes ?? 0) * connections;
  console.log(`${connections} idle connections: live JS heap +${grown} B, of which ${code} B compiled code;`);
  console.log(`${Math.round((grown - code) / connections)} B per connection without the code`);
  console.log('\nGrowth per connection by kind (bytes, objects):');
  for (const row of growth.slice(0, 20)) {
    console.log(`${row.bytes.toFixed(1).padStart(8)}  ${row.count.toFixed(2).padStart(6)}  ${row.kind}`);
  }
  const sessions = loaded.instances('Session');
  const owned = loaded.ownedBy(sessions[Math.floor(sessions.length / 2)]!, [sessions[0]!, sessions[sessions.length - 1]!]);
  console.log(`\nWhat one Session owns alone (${owned.reduce((n, o) => n + o.bytes, 0)} B; shared objects, closure contexts and uWS's native memory not included):`);
  for (const o of owned) console.log(`${String(o.bytes).padStart(6)}  ${o.kind.padEnd(28)} ${o.path}`);
} finally {
  for (const c of clients) c.ws.terminate();
  await system.stop();
  rmSync(dir, { recursive: true, force: true });
}
