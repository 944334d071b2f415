// `npm run cluster`: a whole Herald cluster on this machine, on loopback: a 3-node NATS cluster with
// JetStream, two edges (8080 and 8081), one authz service and the demo producers. One Ctrl-C stops it all.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startLocalNats } from '@herald/local-nats';

const HERALD = fileURLToPath(new URL('./herald.mjs', import.meta.url));
const basePort = Number(process.env['HERALD_PORT'] ?? 8080);

// HERALD_NATS_PORT=0: any free ports (tests).
const natsPort = Number(process.env['HERALD_NATS_PORT'] ?? 4222);
const nats = await startLocalNats({ size: 3, ...(natsPort > 0 ? { basePort: natsPort } : {}) });
const env = {
  ...process.env,
  NATS_URL: nats.urls,
  HERALD_JETSTREAM_REPLICAS: '3',
  HERALD_HOST: process.env['HERALD_HOST'] ?? '127.0.0.1',
  HERALD_DRAIN_TIMEOUT: '1s',
};
const children: ChildProcess[] = [];
function run(name: string, command: string, extra: Record<string, string> = {}): void {
  const child = spawn(process.execPath, [HERALD, command], { env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = `[${name}] `;
  for (const s of [child.stdout, child.stderr]) s?.on('data', (d: Buffer) => process.stderr.write(d.toString().replace(/^(?=.)/gm, prefix)));
  child.on('exit', (code, signal) => {
    if (!stopping) process.stderr.write(`${prefix}exited (${signal ?? code}); stopping the cluster\n`);
    if (!stopping) void stop(1);
  });
  children.push(child);
}

let stopping = false;
async function stop(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
  await nats.stop();
  process.exit(code);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

run('authz', 'authz', { HERALD_AUTHZ_PORT: String(basePort + 10) });
run('edge-1', 'edge', { HERALD_PORT: String(basePort) });
run('edge-2', 'edge', { HERALD_PORT: String(basePort + 1) });
run('producers', 'producers');
process.stderr.write(
  `\n  Herald cluster: NATS ${nats.urls}\n  edges http://localhost:${basePort}/ and http://localhost:${basePort + 1}/ (console on both), authz :${basePort + 10}\n  Ctrl-C stops everything.\n\n`,
);
