import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBus, type Delivery } from '@herald/bus';

const pub = (bus: MemoryBus, stream: string, n: number, history = true) => bus.publish({ stream, data: `{"n":${n}}`, history });

test('offsets are one increasing sequence; prevOffset chains each stream', async () => {
  const bus = new MemoryBus({ epoch: 'e1' });
  const a1 = await pub(bus, 'a', 1);
  const b1 = await pub(bus, 'b', 1);
  const a2 = await pub(bus, 'a', 2);
  assert.deepEqual([a1.offset, b1.offset, a2.offset], [1, 2, 3]);
  const read = await bus.read('a', { epoch: 'e1', offset: 0 }, 10);
  assert.deepEqual(read.events.map((e) => [e.offset, e.prevOffset]), [[1, 0], [3, 1]]);
  assert.equal(read.head, 3);
  await bus.close();
});

test('live subscribers get deliveries in order, and head at subscribe time', async () => {
  const bus = new MemoryBus({ epoch: 'e' });
  await pub(bus, 's', 1);
  const got: Delivery[] = [];
  const sub = await bus.subscribe('s', (d) => got.push(d));
  assert.equal(sub.head, 1);
  await pub(bus, 's', 2);
  await pub(bus, 'other', 3);
  await pub(bus, 's', 4, false);
  assert.deepEqual(got.map((d) => [d.offset, d.data]), [[2, '{"n":2}'], [0, '{"n":4}']]);
  sub.unsubscribe();
  await pub(bus, 's', 5);
  assert.equal(got.length, 2);
  await bus.close();
});

test('read resumes after a position and pages with limit', async () => {
  const bus = new MemoryBus({ epoch: 'e' });
  for (let i = 1; i <= 10; i++) await pub(bus, 's', i);
  const r = await bus.read('s', { epoch: 'e', offset: 4 }, 3);
  assert.equal(r.recovered, true);
  assert.deepEqual(r.events.map((e) => e.offset), [5, 6, 7]);
  const none = await bus.read('s', { epoch: 'e', offset: 10 }, 3);
  assert.equal(none.recovered, true);
  assert.equal(none.events.length, 0);
  await bus.close();
});

test('other epoch, future offset, or evicted position → not recovered', async () => {
  const bus = new MemoryBus({ epoch: 'e', limits: { maxPerStream: 3 } });
  for (let i = 1; i <= 6; i++) await pub(bus, 's', i);
  assert.equal((await bus.read('s', { epoch: 'old', offset: 5 }, 10)).recovered, false);
  assert.equal((await bus.read('s', { epoch: 'e', offset: 7 }, 10)).recovered, false);
  // kept: 4,5,6 → position 3 (last evicted) still continues, position 2 does not
  assert.deepEqual((await bus.read('s', { epoch: 'e', offset: 3 }, 10)).events.map((e) => e.offset), [4, 5, 6]);
  const lost = await bus.read('s', { epoch: 'e', offset: 2 }, 10);
  assert.equal(lost.recovered, false);
  assert.deepEqual(lost.events, []);
  await bus.close();
});

test('events older than max age expire and positions before them are lost', async () => {
  let now = 1_000_000;
  const bus = new MemoryBus({ epoch: 'e', limits: { maxAgeMs: 1000 }, now: () => now });
  await pub(bus, 's', 1);
  now += 600;
  await pub(bus, 's', 2);
  now += 600; // event 1 is now 1200 ms old
  const r = await bus.read('s', { epoch: 'e', offset: 0 }, 10);
  assert.equal(r.recovered, false);
  const r2 = await bus.read('s', { epoch: 'e', offset: 1 }, 10);
  assert.deepEqual(r2.events.map((e) => e.offset), [2]);
  assert.equal((await bus.last('s'))?.offset, 2);
  await bus.close();
});

test('maxStreams drops the least recently published idle stream; positions on it are not recovered', async () => {
  const bus = new MemoryBus({ epoch: 'e', limits: { maxStreams: 2 } });
  await pub(bus, 'a', 1);
  await pub(bus, 'b', 1);
  await pub(bus, 'c', 1); // drops a
  assert.equal(await bus.last('a'), undefined);
  assert.equal((await bus.read('a', { epoch: 'e', offset: 0 }, 10)).recovered, false);
  assert.equal((await bus.last('c'))?.offset, 3);
  await bus.close();
});

test('streams without history are not stored', async () => {
  const bus = new MemoryBus({ epoch: 'e' });
  const ack = await pub(bus, 'tokens', 1, false);
  assert.equal(ack.offset, 0);
  assert.equal(await bus.last('tokens'), undefined);
  await bus.close();
});
