import assert from 'node:assert/strict';
import { test } from 'node:test';
import { missingOnceSettled } from './scenarios/common.js';

/** A `missing()` that answers from a script, one value per call, then repeats its last. */
function scripted(values: number[]): { missing: () => Promise<number>; calls: () => number } {
  let n = 0;
  return { missing: async () => values[Math.min(n++, values.length - 1)]!, calls: () => n };
}

const fast = { stepMs: 5, quietMs: 60, maxMs: 2000 };

test('settling: a count that reaches 0 ends the wait with 0, even after a pause longer than the old 2-event quiet period', async () => {
  // Missing events stuck for several polls (a socket waiting on TCP's persist timer), then delivered.
  const s = scripted([900, 400, 400, 400, 400, 400, 0]);
  assert.equal(await missingOnceSettled(s.missing, fast), 0);
  assert.equal(s.calls(), 7);
});

test('settling: a count that stops falling for the quiet period is the loss', async () => {
  const s = scripted([50, 20, 7]);
  const started = Date.now();
  assert.equal(await missingOnceSettled(s.missing, fast), 7);
  assert.ok(Date.now() - started >= fast.quietMs, 'waited the quiet period after the last fall');
});

test('settling: the wait is bounded even while the count keeps falling', async () => {
  let left = 1_000_000;
  const started = Date.now();
  const missing = await missingOnceSettled(async () => (left -= 1), { stepMs: 5, quietMs: 1000, maxMs: 100 });
  assert.ok(missing > 0);
  assert.ok(Date.now() - started < 1000, 'stopped at maxMs, not at the quiet period');
});

test('settling: nothing missing at the first look returns at once', async () => {
  const s = scripted([0]);
  assert.equal(await missingOnceSettled(s.missing, fast), 0);
  assert.equal(s.calls(), 1);
});
