import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ConfigError, DEVELOPMENT_SECRET, loadEdgeConfig } from '@herald/config';

test('defaults: port 8080, development secret when no key is configured, production-grade limits', () => {
  const c = loadEdgeConfig({});
  assert.equal(c.port, 8080);
  assert.equal(c.auth.developmentSecret, true);
  assert.equal(c.auth.secret, DEVELOPMENT_SECRET);
  assert.equal(c.limits.maxFrameBytes, 65536);
  assert.equal(c.limits.maxSubscriptions, 100);
  assert.equal(c.limits.idleTimeoutSec, 120);
  assert.equal(c.demo.enabled, false);
  assert.equal(c.warmupConnects, 0);
  assert.equal(loadEdgeConfig({}, { demo: true }).demo.enabled, true);
});

test('a configured key turns development mode off', () => {
  const c = loadEdgeConfig({ HERALD_JWT_SECRET: 'x'.repeat(32), HERALD_ALLOWED_ORIGINS: 'https://a.example.com, https://b.example.com', HERALD_HISTORY_MAX_AGE: '2h' });
  assert.equal(c.auth.developmentSecret, false);
  assert.deepEqual(c.allowedOrigins, ['https://a.example.com', 'https://b.example.com']);
  assert.equal(c.history.maxAgeMs, 7_200_000);
});

test('every bad value is reported at once with the variable name', () => {
  try {
    loadEdgeConfig({ HERALD_PORT: 'eighty', HERALD_JWT_SECRET: 'short', HERALD_IDLE_TIMEOUT: '10s', HERALD_ALLOWED_ORIGINS: 'evil', HERALD_DEMO: 'maybe', HERALD_JWT_ALGORITHMS: 'HS256,none', HERALD_WARMUP_CONNECTS: '-1' });
    assert.fail('should throw');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    const text = err.problems.join('\n');
    for (const v of ['HERALD_PORT', 'HERALD_JWT_SECRET', 'HERALD_IDLE_TIMEOUT', 'HERALD_ALLOWED_ORIGINS', 'HERALD_DEMO', 'HERALD_JWT_ALGORITHMS', 'HERALD_WARMUP_CONNECTS']) assert.match(text, new RegExp(v));
  }
});

test('docs/configuration.md documents every variable the services read', () => {
  const files = ['../src/edge.ts', '../src/nats.ts', '../../cli/src/commands/authz.ts', '../../cli/src/commands/producers.ts'];
  const source = files.map((f) => readFileSync(new URL(f, import.meta.url), 'utf8')).join('\n');
  const doc = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
  const vars = [...new Set([...source.matchAll(/'((?:HERALD|NATS)_[A-Z_]+)'/g)].map((m) => m[1] as string))];
  assert.ok(vars.length > 30);
  const missing = vars.filter((v) => !doc.includes(`\`${v}\``));
  assert.deepEqual(missing, [], 'add these to docs/configuration.md');
});
