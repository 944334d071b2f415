import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { API_KEY, SECRET } from '../support/edge.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';

/**
 * Smoke test of the k6 load-test scripts (loadtest/k6): each one runs briefly,
 * with tiny sizes, against a real local cluster (1 NATS node, 2 edges, 1 authz)
 * and must end on its own with every threshold met (exit 0); one run with a
 * wrong JWT secret proves that a failed threshold fails the run (exit 99).
 * Skipped when k6 is not installed, unless HERALD_REQUIRE_K6 is set.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPTS = join(ROOT, 'loadtest', 'k6');
const INSTALL_HINT = 'k6 not installed: go install go.k6.io/k6@v1.4.2';
const THRESHOLD_FAILED = 99; // k6's exit code when a threshold is crossed

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** K6_BIN, then Go's install directories, then PATH. */
function findK6(): string | undefined {
  const explicit = process.env['K6_BIN'];
  if (explicit) return explicit; // checked (and reported) by needK6
  const dirs: string[] = [];
  if (process.env['GOBIN']) dirs.push(process.env['GOBIN']);
  if (process.env['GOPATH']) dirs.push(...process.env['GOPATH'].split(delimiter).map((p) => join(p, 'bin')));
  const go = spawnSync('go', ['env', 'GOBIN', 'GOPATH'], { encoding: 'utf8', timeout: 10_000 });
  if (go.status === 0) {
    const [gobin, gopath] = go.stdout.split('\n');
    if (gobin) dirs.push(gobin);
    if (gopath) dirs.push(...gopath.split(delimiter).map((p) => join(p, 'bin')));
  }
  dirs.push(join(homedir(), 'go', 'bin'), ...(process.env['PATH'] ?? '').split(delimiter).filter(Boolean));
  return dirs.map((d) => join(d, 'k6')).find(executable);
}

interface K6Result {
  code: number | null;
  output: string;
  ms: number;
}

/** `k6 run` of one script with `-e` variables; never hangs longer than `timeoutMs`. */
function runK6(k6: string, script: string, vars: Record<string, string | number>, timeoutMs = 60_000): Promise<K6Result> {
  const args = ['run', '--quiet', '--no-usage-report', '--no-color', '--address', ''];
  for (const [k, v] of Object.entries(vars)) args.push('-e', `${k}=${v}`);
  args.push(join(SCRIPTS, script));
  const started = Date.now();
  const child = spawn(k6, args, {
    cwd: ROOT,
    env: { ...process.env, K6_NO_USAGE_REPORT: 'true', K6_AUTO_EXTENSION_RESOLUTION: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: string[] = [];
  child.stdout.on('data', (d: Buffer) => chunks.push(d.toString()));
  child.stderr.on('data', (d: Buffer) => chunks.push(d.toString()));
  const timer = setTimeout(() => {
    chunks.push(`\n[k6-smoke] killed after ${timeoutMs} ms\n`);
    child.kill('SIGKILL');
  }, timeoutMs);
  return new Promise((resolve, reject) => {
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: chunks.join(''), ms: Date.now() - started });
    });
  });
}

const tail = (s: string, n = 8000): string => (s.length > n ? `…${s.slice(-n)}` : s);

describe('k6 load-test scripts (smoke)', () => {
  const k6 = findK6();
  let cluster: TestCluster | undefined;
  let common: Record<string, string> = {};

  before(async () => {
    if (!k6 || !executable(k6)) return;
    cluster = await startTestCluster({ nodes: 1, edges: 2, authz: 1 });
    common = {
      HERALD_URLS: cluster.edges.map((e) => e.http).join(','),
      HERALD_JWT_SECRET: SECRET,
      HERALD_API_KEY: API_KEY,
      // Generous latency bounds: this checks that the scripts work, on a shared CI machine.
      // Loss, duplication and error thresholds stay as strict as in a real run.
      CONNECT_P95_MS: '3000',
      CONNECT_P99_MS: '5000',
      SUBSCRIBE_P95_MS: '3000',
      PONG_P95_MS: '3000',
      DELIVERY_P95_MS: '3000',
      DELIVERY_P99_MS: '5000',
    };
  });
  after(async () => {
    await cluster?.stop();
  });

  /** The k6 binary, or undefined after skipping (failing when HERALD_REQUIRE_K6 is set). */
  function needK6(t: TestContext): string | undefined {
    if (k6 && process.env['K6_BIN'] && !executable(k6)) assert.fail(`K6_BIN=${k6} is not an executable`);
    if (k6) return k6;
    if (process.env['HERALD_REQUIRE_K6']) assert.fail(`HERALD_REQUIRE_K6 is set but ${INSTALL_HINT}`);
    t.skip(INSTALL_HINT);
    return undefined;
  }

  const cases: [script: string, vars: Record<string, string | number>][] = [
    ['idle.js', { VUS: 10, HOLD: 2 }],
    ['connect-storm.js', { VUS: 20, HOLD: 1 }],
    ['broadcast.js', { VUS: 10, RATE: 20, DURATION: 3, WARMUP: 1, DRAIN: 1 }],
    ['many-streams.js', { VUS: 10, GROUPS: 2, RATE: 40, DURATION: 3, WARMUP: 1, DRAIN: 1 }],
    ['resume.js', { VUS: 5, RATE: 20, PHASE: 1.5, GAP: 1, CYCLES: 1, WARMUP: 1, DRAIN: 1 }],
    ['token-stream.js', { STREAMS: 3, SUBS_PER_STREAM: 3, RATE: 100, DURATION: 3, WARMUP: 1, DRAIN: 1 }],
  ];

  for (const [script, vars] of cases) {
    test(`${script} runs against a local cluster and meets its thresholds`, async (t) => {
      const bin = needK6(t);
      if (!bin) return;
      const account = `k6-smoke-${script.replace(/\.js$/, '')}`;
      const res = await runK6(bin, script, { ...common, HERALD_ACCOUNT: account, ...vars });
      assert.equal(res.code, 0, `k6 run ${script} exited ${res.code} after ${res.ms} ms:\n${tail(res.output)}`);
      assert.match(res.output, /herald_connected/, `the summary lists the Herald metrics:\n${tail(res.output)}`);
    });
  }

  test('a welcome k6 drops (its open/first-frame race) is recovered by the probe ping, and counted', async (t) => {
    const bin = needK6(t);
    if (!bin) return;
    // What a script sees when k6 discards the first frame: a socket that answers pings and
    // subscribes but never shows a welcome. A stand-in server sends exactly that.
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server.once('listening', resolve));
    server.on('connection', (ws) => {
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { type: string; id?: number };
        if (frame.type === 'ping') ws.send('{"type":"pong"}');
        if (frame.type === 'subscribe') ws.send(JSON.stringify({ type: 'subscribed', id: frame.id }));
      });
    });
    try {
      const { port } = server.address() as { port: number };
      const res = await runK6(bin, 'idle.js', { ...common, HERALD_URLS: `http://127.0.0.1:${port}`, VUS: 3, HOLD: 1 });
      assert.equal(res.code, 0, `k6 run idle.js exited ${res.code}:\n${tail(res.output)}`);
      assert.match(res.output, /herald_k6_dropped_welcomes\.*:\s*3\b/, tail(res.output));
      assert.match(res.output, /herald_connected\.*:\s*100\.00%/, tail(res.output));
    } finally {
      for (const c of server.clients) c.terminate();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('a crossed threshold fails the run: broadcast.js with a wrong JWT secret exits 99', async (t) => {
    const bin = needK6(t);
    if (!bin) return;
    const res = await runK6(bin, 'broadcast.js', {
      ...common,
      HERALD_JWT_SECRET: 'not-the-secret-of-these-edges-0123456789',
      HERALD_ACCOUNT: 'k6-smoke-wrong-secret',
      VUS: 5,
      RATE: 5,
      DURATION: 1,
      WARMUP: 1,
      DRAIN: 0,
    });
    assert.equal(res.code, THRESHOLD_FAILED, `expected exit ${THRESHOLD_FAILED} (thresholds crossed), got ${res.code}:\n${tail(res.output)}`);
    assert.match(res.output, /thresholds on metrics '[^']*herald_errors/, tail(res.output));
  });
});
