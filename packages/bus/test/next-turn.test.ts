import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextTurnBatch } from '../src/nats/next-turn.js';

test('calls queued in one phase run together after it, before any microtask one of them queues', async () => {
  const soon = nextTurnBatch();
  const log: string[] = [];
  const results = [1, 2, 3].map((n) =>
    soon(() => {
      // The NATS client queues its flush as a microtask on the first write: the later calls must come before it.
      queueMicrotask(() => log.push(`microtask of ${n}`));
      log.push(`call ${n}`);
      return n * 10;
    }),
  );
  await Promise.resolve();
  assert.deepEqual(log, [], 'nothing runs in the turn that queued the calls');
  assert.deepEqual(await Promise.all(results), [10, 20, 30]);
  assert.deepEqual(log.slice(0, 3), ['call 1', 'call 2', 'call 3']);
  const later = await soon(() => 'next burst');
  assert.equal(later, 'next burst', 'a call after the batch ran starts a new one');
});

test('a call that throws rejects its own promise only', async () => {
  const soon = nextTurnBatch();
  const outcomes = await Promise.allSettled([
    soon(() => 'a'),
    soon(() => {
      throw new Error('bus is closed');
    }),
    soon(() => 'c'),
  ]);
  assert.deepEqual(
    outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message)),
    ['a', 'bus is closed', 'c'],
  );
});
