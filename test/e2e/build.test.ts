import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDevToken } from '@herald/auth';
import { freePort } from '@herald/local-nats';
import { bundleNodeProgram, buildHerald } from '../../scripts/build.js';
import { NodeProcess, waitReady } from '../support/cluster.js';
import { TestClient } from '../support/client.js';
import { SECRET } from '../support/edge.js';

test('npm run build: dist/herald.mjs runs embedded mode with plain node (no TypeScript loader): readyz, the console page with its script, a socket that subscribes', { timeout: 60_000 }, async (t) => {
  // Its own output file, next to node_modules (the runtime dependencies resolve from there): the
  // benchmark test may be running dist/herald.mjs at the same time.
  const script = await buildHerald(fileURLToPath(new URL(`../../dist/herald-test-${process.pid}.mjs`, import.meta.url)));
  t.after(() => {
    for (const file of [script, `${script}.map`]) rmSync(file, { force: true });
  });
  const source = readFileSync(script, 'utf8');
  assert.doesNotMatch(source, /from ['"]@herald\//, 'workspace packages are bundled in');
  assert.match(source, /from ['"]uWebSockets\.js['"]/, 'runtime dependencies stay external');
  const port = await freePort();
  const proc = new NodeProcess('start', [script, 'start'], { HERALD_HOST: '127.0.0.1', HERALD_PORT: String(port), HERALD_JWT_SECRET: SECRET, HERALD_DEMO: 'false' });
  try {
    await waitReady(`http://127.0.0.1:${port}/readyz`, proc);
    // The console script was built into the bundle (the sources are not next to dist/).
    const page = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    const scripts = [...page.matchAll(/<script[^>]*>([^]*?)<\/script>/g)].map((m) => m[1]!);
    assert.ok(scripts.some((code) => code.length > 10_000 && code.includes('WebSocket')), `the bundled console script is inlined (script sizes ${scripts.map((c) => c.length).join(', ')})`);
    const c = await TestClient.connect(`ws://127.0.0.1:${port}`, { token: await signDevToken({ secret: SECRET, sub: 'u1', account: 'acct-1' }) });
    await c.type('welcome');
    assert.equal((await c.subscribe({ channel: 'NotificationChannel', params: { account_id: 'acct-1' } }))['type'], 'subscribed');
    c.close();
  } finally {
    await proc.stop();
  }
});

test('bundleNodeProgram: a TypeScript entry becomes one ES module that runs with plain node', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-build-'));
  const entry = join(dir, 'entry.ts');
  writeFileSync(entry, "const n: number = 6 * 7;\nprocess.stdout.write(String(n));\n");
  const out = await bundleNodeProgram(entry, join(dir, 'out.mjs'));
  const child = new NodeProcess('bundled', [out], {});
  assert.equal(await child.exited, 0);
  assert.equal(child.output.join(''), '42');
});
