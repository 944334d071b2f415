import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SeqWindow } from './seq-window.js';
import { expand } from './protocol.js';
import { Histogram } from './histogram.js';
import { BenchClient } from './ws-client.js';
import { summarizeProfile } from './profile-summary.js';

/**
 * The harness must keep working: a tiny resume run in every mode,
 * checked for the report contract and for what Herald guarantees (nothing
 * lost, duplicated or reordered across a resume). The figures themselves are
 * not checked here: numbers come from full runs on an otherwise idle machine
 * (docs/BENCHMARKS.md), never from timed tests.
 */

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

function bench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A small `--json --no-save` run that must exit 0: its result rows. */
async function benchRows(args: string[]): Promise<{ rows: Record<string, unknown>[]; stderr: string }> {
  const run = await bench([...args, '--scale', '0.02', '--json', '--no-save']);
  assert.equal(run.code, 0, run.stderr);
  return { rows: run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>), stderr: run.stderr };
}

test('a small resume run reports every field and loses nothing in Herald', { timeout: 110_000 }, async () => {
  const { rows, stderr } = await benchRows(['resume', '--mode', 'embedded,cluster']);
  assert.deepEqual(
    rows.map((r) => `${r['scenario']}/${r['mode']}`),
    ['resume/baseline', 'resume/embedded', 'resume/cluster'],
  );
  for (const r of rows) {
    for (const field of ['scenario', 'mode', 'connections', 'deliveries_per_s', 'baseline_deliveries_per_s', 'p50_ms', 'p99_ms', 'rss_per_conn_bytes', 'lost', 'duplicated']) {
      assert.ok(field in r, `${r['scenario']}/${r['mode']} has ${field}`);
    }
    if (r['mode'] === 'baseline') continue;
    assert.equal(r['lost'], 0, `${r['scenario']}/${r['mode']}: ${stderr}`);
    assert.equal(r['duplicated'], 0);
    assert.equal(r['reordered'], 0);
  }
  const resumed = rows.filter((r) => r['scenario'] === 'resume' && r['mode'] !== 'baseline');
  for (const r of resumed) {
    const extra = r['extra'] as { resumed: number; recovered: number };
    assert.equal(extra.recovered, r['connections'], 'every client resumed with recovered: true');
  }
  assert.ok(rows.every((r) => r['baseline_deliveries_per_s'] === null), 'resume has no deliveries/s figure, so no ceiling either');
});

test('a small connect storm: a cold, a warm and a steady storm per mode, CPU per connect split by thread', { timeout: 110_000 }, async () => {
  const { rows } = await benchRows(['connect-storm', '--mode', 'embedded']);
  assert.deepEqual(
    rows.map((r) => `${r['mode']}/${r['variant']}`),
    ['baseline/cold edge', 'baseline/warm edge', 'baseline/steady edge', 'embedded/cold edge', 'embedded/warm edge', 'embedded/steady edge'],
  );
  for (const r of rows) {
    assert.equal(r['connections'], 200);
    assert.ok((r['connects_per_s'] as number) > 0, JSON.stringify(r));
    const extra = r['extra'] as Record<string, number>;
    // Ticks are read once per process and once for its main thread: the split adds up to the total.
    assert.ok(Math.abs(extra['server_main_thread_us_per_connect']! + extra['server_helper_threads_us_per_connect']! - extra['server_cpu_us_per_connect']!) <= 1, JSON.stringify(extra));
    assert.ok(extra['server_helper_threads_us_per_connect']! >= 0, 'the main thread is part of the process, never more');
    // The machine's steal time rides along with the processes' CPU, never counted as a server's.
    const cpu = r['cpu'] as Record<string, number>;
    assert.ok(Number.isInteger(cpu['stolen']) && cpu['stolen']! >= 0, JSON.stringify(cpu));
  }
});

test('an unknown scenario prints the usage and exits 64', async () => {
  const run = await bench(['nope']);
  assert.equal(run.code, 64);
  assert.match(run.stderr, /usage: npm run bench/);
});

test('sequence window: duplicates and out-of-order arrivals are told apart', () => {
  const w = new SeqWindow();
  assert.equal(w.mark(2), true);
  assert.equal(w.mark(1), true);
  assert.equal(w.mark(2), false, 'duplicate');
  assert.equal(w.base, 2);
  assert.equal(w.mark(5000), true, 'far ahead: the window slides');
  assert.equal(w.mark(3), false, 'behind the slid window counts as seen (it cannot be told apart)');
  assert.equal(w.distinct, 3);
});

test('templates and histogram', () => {
  assert.equal(expand('u{i}-{i%100}-{i%300/30}', 1234), 'u1234-34-1');
  const h = new Histogram();
  for (let i = 1; i <= 100; i++) h.record(i / 10);
  // A percentile is its bucket's upper bound (10 µs buckets): never below the true value.
  assert.ok(Math.abs(h.percentile(0.5) - 5.01) < 1e-9, String(h.percentile(0.5)));
  assert.ok(Math.abs(h.percentile(0.99) - 9.91) < 1e-9, String(h.percentile(0.99)));
  h.record(250);
  assert.equal(Histogram.fromSparse(h.toSparse(), h.max).percentile(1), 250);
});

test('the load client answers a server close and reports its code (a stalled socket would look like lost events)', async () => {
  const { startTestEdge, SECRET: secret } = await import('../../test/support/edge.js');
  const { signDevToken } = await import('@herald/auth');
  const edge = await startTestEdge();
  try {
    const token = await signDevToken({ secret, sub: 'u1', account: 'acct-1', ttlSec: 1 });
    const closed = new Promise<number>((resolve) => {
      const client = new BenchClient(0, token, { event: () => {}, closed: (_c, code) => resolve(code) });
      void client.connect('127.0.0.1', edge.port, '/ws');
    });
    assert.equal(await closed, 4001, 'token expiry closes with 4001 and the client sees it');
  } finally {
    await edge.stop();
  }
});

test('profile summary: self and inclusive time per function, optionally only around one function', () => {
  const frame = (functionName: string) => ({ functionName, url: '' });
  const profile = {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 4] },
      { id: 2, callFrame: frame('handleUpgrade'), children: [3] },
      { id: 3, callFrame: frame('verify') },
      { id: 4, callFrame: frame('(idle)') },
    ],
    samples: [4, 2, 3, 3, 4],
    // A sample lasts until the next one: idle 10, handleUpgrade 20, verify 30 + 40, the last one 0.
    timeDeltas: [0, 10, 20, 30, 40],
  };
  const whole = summarizeProfile(profile);
  assert.equal(whole.totalUs, 100);
  assert.equal(whole.self.get('verify'), 70);
  assert.equal(whole.self.get('handleUpgrade'), 20);
  assert.equal(whole.inclusive.get('handleUpgrade'), 90);
  assert.equal(whole.inclusive.get('(root)'), 100);
  const storm = summarizeProfile(profile, 'handleUpgrade');
  assert.equal(storm.totalUs, 90);
  assert.equal(storm.self.get('(idle)'), undefined);
  assert.throws(() => summarizeProfile(profile, 'nothing'), /no sample/);
});

test('profile summary: inclusive time per npm package, counted once per sample', () => {
  const frame = (functionName: string, url: string) => ({ functionName, url });
  const profile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', ''), children: [2, 5] },
      { id: 2, callFrame: frame('inc', 'file:///app/node_modules/prom-client/lib/counter.js'), children: [3] },
      { id: 3, callFrame: frame('hash', 'file:///app/node_modules/prom-client/lib/util.js'), children: [4] },
      { id: 4, callFrame: frame('request', 'file:///app/node_modules/@nats-io/jetstream/node_modules/@nats-io/nats-core/lib/nats.js') },
      { id: 5, callFrame: frame('verify', 'file:///app/dist/herald.mjs') },
    ],
    samples: [5, 2, 3, 4, 1],
    timeDeltas: [0, 10, 20, 30, 40],
  };
  const { packages, totalUs } = summarizeProfile(profile);
  assert.equal(totalUs, 100);
  // prom-client is on the stacks of the samples worth 20, 30 and 40 µs, counted once in each although two of them hold two of its frames.
  assert.deepEqual([...packages].sort(), [['@nats-io/nats-core', 40], ['prom-client', 90]]);
});

test('--node-args reaches the Herald edges, not the raw uWS baseline', { timeout: 110_000 }, async () => {
  const run = await bench(['connect-storm', '--mode', 'embedded', '--scale', '0.02', '--no-save', '--node-args=--no-such-v8-flag']);
  assert.notEqual(run.code, 0);
  assert.match(run.stderr, /bad option: --no-such-v8-flag/, 'the edge refused the flag it was given, and the run says so');
  assert.match(run.stderr, /steady edge: \d+ connects\/s/, 'the baseline ran all its storms without it first');
});

test('--storms: more storms on the same edges, named after the third; a bad count is refused before anything starts', { timeout: 110_000 }, async () => {
  const { rows } = await benchRows(['connect-storm', '--mode', 'embedded', '--no-baseline', '--storms', '4']);
  assert.deepEqual(
    rows.map((r) => r['variant']),
    ['cold edge', 'warm edge', 'steady edge', 'storm 4 edge'],
  );
  const refused = await bench(['connect-storm', '--storms', '0']);
  assert.equal(refused.code, 64);
  assert.match(refused.stderr, /--storms must be a whole number of 1 or more, not 0/);
});
