import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '@herald/local-nats';
import { TestClient } from '../support/client.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const isFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** `npm run cluster` uses the base port, +1 and +10: all three must be free (other test files run alongside). */
async function freeBasePort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if ((await isFree(port + 1)) && (await isFree(port + 10))) return port;
  }
}

test('npm run cluster: two edges, authz and producers on a 3-node NATS; demo events reach a client; one Ctrl-C stops it all', async () => {
  const port = await freeBasePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/cluster.ts'], {
    cwd: ROOT,
    env: { ...process.env, HERALD_PORT: String(port), HERALD_NATS_PORT: '0', HERALD_DEMO_INTERVAL: '100ms', HERALD_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stderr.on('data', (d: Buffer) => output.push(d.toString()));
  let gone = false;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => ((gone = true), resolve(code))));
  const ready = async (url: string, deadline: number): Promise<void> => {
    while (!(await fetch(url).then((r) => r.ok, () => false))) {
      if (gone || Date.now() > deadline) throw new Error(`${url} not ready${gone ? ' (the cluster exited)' : ''}:\n${output.join('')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  try {
    const deadline = Date.now() + 60_000;
    await ready(`http://127.0.0.1:${port}/readyz`, deadline);
    await ready(`http://127.0.0.1:${port + 1}/readyz`, deadline);
    await ready(`http://127.0.0.1:${port + 10}/healthz`, deadline);
    // Development mode (no secret): the console's token endpoint; the demo resources belong to account "demo".
    const { token } = (await (await fetch(`http://127.0.0.1:${port + 1}/v1/dev/token`, { method: 'POST', body: JSON.stringify({ sub: 'viewer', account: 'demo' }) })).json()) as { token: string };
    const client = await TestClient.connect(`ws://127.0.0.1:${port + 1}`, { token });
    const sub = await client.subscribe({ channel: 'AiOrchestrationChannel', params: { type: 'account', id: 'demo' } });
    assert.equal(sub['type'], 'subscribed', JSON.stringify(sub));
    const [event] = await client.waitEvents(1, 'ai_orchestration:account:demo', 20_000);
    assert.ok(event!['offset'] > 0, 'a stored event, published by the producers process through JetStream');
    client.close();
  } finally {
    child.kill('SIGINT');
  }
  const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running'), 20_000))]);
  assert.equal(code, 0, output.join('').slice(-2000));
  for (const p of [port, port + 1, port + 10]) {
    assert.equal(await fetch(`http://127.0.0.1:${p}/healthz`).then(() => 'up', () => 'down'), 'down', `port ${p} closed`);
  }
});
