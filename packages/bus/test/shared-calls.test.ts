import assert from 'node:assert/strict';
import { test } from 'node:test';
import { afterAsking, inFlight } from '../src/nats/shared-calls.js';

/** A call whose answers the test hands out one by one, in the order the calls started. */
function controlled(): { call: () => Promise<number>; started: () => number; answer: (ok?: boolean) => void } {
  const pending: Array<{ resolve: (n: number) => void; reject: (e: Error) => void }> = [];
  let started = 0;
  return {
    call: () => {
      const n = ++started;
      return new Promise<number>((resolve, reject) => pending.push({ resolve: () => resolve(n), reject }));
    },
    started: () => started,
    answer: (ok = true) => {
      const p = pending.shift()!;
      if (ok) p.resolve(0);
      else p.reject(new Error('refused'));
    },
  };
}
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

test('afterAsking: callers arriving while a call runs share the next one, started when it settles', async () => {
  const c = controlled();
  const shared = afterAsking(c.call);
  const first = shared();
  const [a, b] = [shared(), shared()];
  assert.equal(c.started(), 1, 'one call at a time');
  c.answer();
  assert.equal(await first, 1);
  await settle();
  assert.equal(c.started(), 2, 'the waiting callers got a call of their own');
  c.answer();
  assert.deepEqual(await Promise.all([a, b]), [2, 2]);
  const later = shared();
  assert.equal(c.started(), 3, 'nothing running: a new caller starts at once');
  c.answer();
  assert.equal(await later, 3);
});

test('afterAsking: a failed call fails its callers only; the next callers get a new call', async () => {
  const c = controlled();
  const shared = afterAsking(c.call);
  const first = shared();
  const second = shared();
  c.answer(false);
  await assert.rejects(first, /refused/);
  await settle();
  c.answer();
  assert.equal(await second, 2);
});

test('inFlight: callers join the call on its way; once it settled, the next caller starts another', async () => {
  const c = controlled();
  const shared = inFlight(c.call);
  const [a, b] = [shared(), shared()];
  assert.equal(c.started(), 1);
  c.answer();
  assert.deepEqual(await Promise.all([a, b]), [1, 1]);
  const later = shared();
  assert.equal(c.started(), 2);
  c.answer(false);
  await assert.rejects(later, /refused/);
  const again = shared();
  assert.equal(c.started(), 3, 'a failure is not kept');
  c.answer();
  assert.equal(await again, 3);
});
