import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { API_KEY, SECRET, startTestEdge, type TestEdge } from '../support/edge.js';
import { TestClient } from '../support/client.js';

const HERALD = fileURLToPath(new URL('../../scripts/herald.mjs', import.meta.url));

function run(args: string[], env: Record<string, string> = {}): ChildProcess & { out: string[]; err: string[]; done: Promise<number> } {
  const child = spawn(process.execPath, [HERALD, ...args], { env: { ...process.env, HERALD_LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: string[] = [];
  const err: string[] = [];
  child.stdout!.on('data', (d: Buffer) => out.push(...d.toString().split('\n').filter(Boolean)));
  child.stderr!.on('data', (d: Buffer) => err.push(...d.toString().split('\n').filter(Boolean)));
  const done = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  return Object.assign(child, { out, err, done });
}

async function until<T>(f: () => T | undefined, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('herald CLI against a running edge', () => {
  let edge: TestEdge;
  before(async () => {
    edge = await startTestEdge();
    await edge.owners.setOwner('git_job', 'j-7', 'acct-1');
  });
  after(() => edge.stop());

  test('token mints a JWT the edge accepts', async () => {
    const p = run(['token', '--sub', 'u9', '--account', 'acct-1', '--perm', 'admin.access', '--ttl', '10m'], { HERALD_JWT_SECRET: SECRET });
    assert.equal(await p.done, 0);
    const token = p.out[0]!;
    const c = await TestClient.connect(edge.ws, { token });
    const welcome = await c.type('welcome');
    assert.ok(welcome['expiresAt'] > Date.now() + 9 * 60_000);
    assert.equal((await c.subscribe({ channel: 'CustomerChannel', params: { account_id: 'x' } }))['type'], 'subscribed');
    c.close();
  });

  test('revoke --token closes that session with 4003 and refuses it afterwards; bad kinds are a usage error', async () => {
    const token = await edge.token({ sub: 'cli-victim' });
    const c = await TestClient.connect(edge.ws, { token });
    await c.type('welcome');
    const env = { HERALD_URL: edge.http, HERALD_API_KEY: API_KEY };
    const p = run(['revoke', 'session', '--token', token, '--reason', 'test', '--ttl', '1h'], env);
    assert.equal(await p.done, 0, p.err.join(''));
    assert.match(p.out.join(''), /"kind":"session"/);
    assert.equal((await c.closed).code, 4003);
    await assert.rejects(TestClient.connect(edge.ws, { token }), (e: { status?: number }) => e.status === 401);
    const bad = run(['revoke', 'galaxy', 'x'], env);
    assert.equal(await bad.done, 2);
  });

  test('tail prints events that publish sends', async () => {
    const env = { HERALD_URL: edge.http, HERALD_JWT_SECRET: SECRET, HERALD_API_KEY: API_KEY };
    const tail = run(['tail', 'GitJobLogsChannel', 'repository_id=r1', 'pipeline_id=p1', 'job_id=j-7', '--account', 'acct-1'], env);
    await until(() => tail.out.find((l) => l.includes('"type":"subscribed"')));
    const pub = run(['publish', 'git_job_logs:j-7', '--event', 'log.chunk', '--payload', '{"lines":["compiling…"],"n":12345678901234567890}'], env);
    assert.equal(await pub.done, 0);
    assert.match(pub.out.join(''), /"offset":\d+/);
    const line = await until(() => tail.out.find((l) => l.includes('"type":"event"')));
    assert.match(line, /"event":"log.chunk"/);
    assert.match(line, /"n":12345678901234567890/);
    tail.kill('SIGINT');
    assert.equal(await tail.done, 0);
  });

  test('publish without the API key fails with the server’s reason', async () => {
    const pub = run(['publish', 's', '--event', 'e'], { HERALD_URL: edge.http, HERALD_API_KEY: '' });
    assert.equal(await pub.done, 1);
    assert.match(pub.err.join(''), /missing_api_key/);
  });
});

test('herald start: console, channels and dev tokens answer; SIGTERM drains and exits 0', async () => {
  const p = run(['start'], { HERALD_PORT: '0', HERALD_HOST: '127.0.0.1', HERALD_JWT_SECRET: '', HERALD_API_KEY: '', HERALD_DEMO_INTERVAL: '100ms', HERALD_DRAIN_TIMEOUT: '0' });
  try {
    const line = await until(() => p.err.find((l) => /http:\/\/localhost:\d+/.test(l)));
    const port = Number(/localhost:(\d+)/.exec(line)![1]);
    const base = `http://127.0.0.1:${port}`;
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const { token } = (await (await fetch(`${base}/v1/dev/token`, { method: 'POST', body: '{"sub":"demo-user","account":"demo"}' })).json()) as { token: string };
    const c = await TestClient.connect(`ws://127.0.0.1:${port}`, { token });
    await c.subscribe({ channel: 'AiOrchestrationChannel', params: { type: 'account', id: 'demo' } });
    await c.waitEvents(1, undefined, 10_000); // the demo producers are alive
    assert.ok(p.out.some((l) => l.includes('DEVELOPMENT MODE')), 'development mode is logged loudly');
    p.kill('SIGTERM');
    assert.equal((await c.closed).code, 4010);
    assert.equal(await p.done, 0);
  } finally {
    p.kill('SIGKILL');
  }
});

test('a bad configuration value stops herald start with a clear message', async () => {
  const p = run(['start'], { HERALD_PORT: 'eighty' });
  assert.equal(await p.done, 78);
  assert.match(p.err.join('\n'), /HERALD_PORT: must be an integer/);
});
