import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withTimeout } from '../src/index.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const never = <T>(): Promise<T> => new Promise<T>(() => {});

test('withTimeout: the value when the promise settles in time, its rejection when it fails', async () => {
  assert.equal(await withTimeout(Promise.resolve(7), 50, () => new Error('late')), 7);
  await assert.rejects(withTimeout(Promise.reject(new Error('boom')), 50, () => new Error('late')), /boom/);
});

test('withTimeout: a wait that never settles fails with onTimeout() after about its duration', async () => {
  const started = Date.now();
  await assert.rejects(withTimeout(never(), 80, () => new Error('authz timed out')), /authz timed out/);
  const took = Date.now() - started;
  assert.ok(took >= 75 && took < 400, `took ${took} ms`);
});

test('withTimeout: waits of one duration share a timer, yet each expires at its own deadline and settled ones never expire', async () => {
  const ms = 120;
  const started = Date.now();
  const expiredAt: number[] = [];
  const first = withTimeout(never(), ms, () => new Error('first')).catch(() => expiredAt.push(Date.now() - started));
  const quick = withTimeout(sleep(10).then(() => 'quick'), ms, () => new Error('quick expired'));
  await sleep(60);
  const second = withTimeout(never(), ms, () => new Error('second')).catch(() => expiredAt.push(Date.now() - started));
  const slowButInTime = withTimeout(sleep(100).then(() => 'in time'), ms, () => new Error('in-time expired'));
  assert.equal(await quick, 'quick');
  assert.equal(await slowButInTime, 'in time');
  await Promise.all([first, second]);
  assert.equal(expiredAt.length, 2);
  assert.ok(expiredAt[0]! >= ms - 5 && expiredAt[0]! < ms + 150, `first expired at ${expiredAt[0]} ms`);
  // The second began 60 ms later: it must not be expired together with the first.
  assert.ok(expiredAt[1]! >= 60 + ms - 5, `second expired at ${expiredAt[1]} ms, before its deadline`);
});
