import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExpiryWheel } from '@herald/session';

test('expires due items once, honours cancel and reschedule, and fires past-due items at once', async () => {
  let now = 100_000;
  const fired: string[] = [];
  const wheel = new ExpiryWheel<string>((item) => fired.push(item), () => now, 60_000);
  wheel.schedule('a', now + 1500);
  wheel.schedule('b', now + 1500);
  wheel.schedule('c', now + 5000);
  wheel.cancel('b');
  wheel.schedule('c', now + 1200); // refreshed earlier on purpose: rescheduling replaces
  now += 1000;
  wheel.tick();
  assert.equal(fired.length, 0);
  now += 1000;
  wheel.tick();
  assert.deepEqual([...fired].sort(), ['a', 'c']);
  assert.equal(wheel.size, 0);
  wheel.schedule('late', now - 10);
  await new Promise((r) => queueMicrotask(() => r(undefined)));
  assert.ok(fired.includes('late'), 'a past expiry does not wait for the next tick');
  wheel.schedule('never', undefined);
  assert.equal(wheel.size, 0);
  wheel.stop();
});
