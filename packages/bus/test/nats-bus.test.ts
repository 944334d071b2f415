import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { NatsBus, type Delivery, type NatsBusOptions } from '@herald/bus';
import { useLocalNats } from '../../../test/support/nats.js';

const fixture = useLocalNats();
let nc: NatsConnection;
before(async () => {
  nc = await fixture.connect();
});

let n = 0;
/** Each test gets its own history stream (JetStream subjects cannot overlap, so one bus per test at a time). */
async function freshBus(stream: NonNullable<NatsBusOptions['stream']> = {}, options: Omit<NatsBusOptions, 'stream'> = {}): Promise<NatsBus> {
  const jsm = await jetstreamManager(nc);
  for await (const name of jsm.streams.names()) await jsm.streams.delete(name);
  return NatsBus.start(nc, { ...options, stream: { name: `EV${++n}`, ...stream } });
}

function collector(): { got: Delivery[]; wait(count: number): Promise<void> } {
  const got: Delivery[] = [];
  return {
    got,
    async wait(count) {
      const deadline = Date.now() + 5000;
      while (got.length < count) {
        if (Date.now() > deadline) throw new Error(`got ${got.length} of ${count}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

test('stored events arrive live with JetStream offsets and the previous offset of the same stream', async () => {
  const bus = await freshBus();
  try {
    const c = collector();
    const sub = await bus.subscribe('run:r.1', (d) => c.got.push(d));
    assert.equal(sub.head > 0, false, 'an empty history stream has head 0');
    const a1 = await bus.publish({ stream: 'run:r.1', data: '{"n":1}', history: true });
    await bus.publish({ stream: 'other', data: '{"x":1}', history: true });
    const a2 = await bus.publish({ stream: 'run:r.1', data: '{"n":2}', history: true });
    await c.wait(2);
    assert.deepEqual(
      c.got.map((d) => [d.offset, d.prevOffset, d.data, d.epoch]),
      [
        [a1.offset, 0, '{"n":1}', bus.epoch()],
        [a2.offset, a1.offset, '{"n":2}', bus.epoch()],
      ],
    );
    assert.equal(a2.offset, a1.offset + 2, 'one sequence across streams');
    sub.unsubscribe();
  } finally {
    await bus.close();
  }
});

test('streams without history are delivered live with offset 0 and are not stored', async () => {
  const bus = await freshBus();
  try {
    const c = collector();
    const sub = await bus.subscribe('tokens:s1', (d) => c.got.push(d));
    const ack = await bus.publish({ stream: 'tokens:s1', data: '"t"', history: false });
    assert.equal(ack.offset, 0);
    await c.wait(1);
    assert.equal(c.got[0]!.offset, 0);
    assert.equal(await bus.last('tokens:s1'), undefined);
    sub.unsubscribe();
  } finally {
    await bus.close();
  }
});

test('a new subscription starts at the newest stored offset; read resumes exactly after a position', async () => {
  const bus = await freshBus();
  try {
    const acks = [];
    for (let i = 1; i <= 5; i++) acks.push(await bus.publish({ stream: 'job:j-1', data: `{"i":${i}}`, history: true }));
    const c = collector();
    const sub = await bus.subscribe('job:j-1', (d) => c.got.push(d));
    assert.equal(sub.head, acks[4]!.offset);
    const read = await bus.read('job:j-1', { epoch: bus.epoch(), offset: acks[1]!.offset }, 100);
    assert.equal(read.recovered, true);
    assert.deepEqual(
      read.events.map((e) => e.data),
      ['{"i":3}', '{"i":4}', '{"i":5}'],
    );
    const page = await bus.read('job:j-1', { epoch: bus.epoch(), offset: 0 }, 2);
    assert.deepEqual(page.events.map((e) => e.offset), [acks[0]!.offset, acks[1]!.offset]);
    assert.equal(page.head, acks[4]!.offset, 'a page cut short by the limit still reports the stream head');
    assert.equal(read.head, acks[4]!.offset);
    assert.equal((await bus.read('job:j-1', { epoch: bus.epoch(), offset: acks[4]!.offset }, 10)).head, acks[4]!.offset, 'nothing newer: head is still the newest');
    const last = await bus.last('job:j-1');
    assert.equal(last?.data, '{"i":5}');
    assert.equal(c.got.length, 0, 'events stored before the subscription are not delivered live');
    sub.unsubscribe();
  } finally {
    await bus.close();
  }
});

test('positions that cannot be continued are not recovered: other epoch, future offset, dropped events', async () => {
  const bus = await freshBus({ maxPerSubject: 3 });
  try {
    const acks = [];
    for (let i = 1; i <= 5; i++) acks.push(await bus.publish({ stream: 's', data: `${i}`, history: true }));
    const epoch = bus.epoch();
    assert.equal((await bus.read('s', { epoch: 'other', offset: acks[3]!.offset }, 10)).recovered, false);
    assert.equal((await bus.read('s', { epoch, offset: acks[4]!.offset + 100 }, 10)).recovered, false);
    // Offsets 1 and 2 were dropped by the per-subject limit: a reader at 1 missed 2.
    assert.equal((await bus.read('s', { epoch, offset: acks[0]!.offset }, 10)).recovered, false);
    assert.equal((await bus.read('s', { epoch, offset: 0 }, 10)).recovered, false);
    const ok = await bus.read('s', { epoch, offset: acks[2]!.offset }, 10);
    assert.deepEqual([ok.recovered, ok.events.map((e) => e.data)], [true, ['4', '5']]);
  } finally {
    await bus.close();
  }
});

test('a reader who subscribed to an empty stream resumes exactly from the head it was given', async () => {
  const bus = await freshBus();
  try {
    await bus.publish({ stream: 'noise', data: '0', history: true });
    const sub = await bus.subscribe('fresh', () => {});
    sub.unsubscribe();
    const head = sub.head;
    assert.ok(head > 0, 'head is the history stream position when the stream is empty');
    await bus.publish({ stream: 'fresh', data: '1', history: true });
    await bus.publish({ stream: 'fresh', data: '2', history: true });
    const read = await bus.read('fresh', { epoch: bus.epoch(), offset: head }, 10);
    assert.deepEqual([read.recovered, read.events.map((e) => e.data)], [true, ['1', '2']]);
  } finally {
    await bus.close();
  }
});

test('expired history is not recovered', async () => {
  const bus = await freshBus({ maxAgeMs: 1000 });
  try {
    const a = await bus.publish({ stream: 'old', data: '1', history: true });
    await bus.publish({ stream: 'old', data: '2', history: true });
    await new Promise((r) => setTimeout(r, 1600));
    const read = await bus.read('old', { epoch: bus.epoch(), offset: a.offset }, 10);
    assert.equal(read.recovered, false);
  } finally {
    await bus.close();
  }
});

test('a recreated history stream is a new epoch', async () => {
  const bus = await freshBus();
  try {
    const before = bus.epoch();
    await bus.publish({ stream: 'e', data: '1', history: true });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(bus.streamName);
    await bus.checkEpoch(); // recreates the missing stream
    assert.notEqual(bus.epoch(), before);
    const ack = await bus.publish({ stream: 'e', data: '2', history: true });
    assert.equal(ack.offset, 1, 'the new stream starts its sequence again');
    assert.equal((await bus.read('e', { epoch: before, offset: 1 }, 10)).recovered, false);
  } finally {
    await bus.close();
  }
});

test('stream names with dots, wildcards, spaces and non-ASCII travel intact', async () => {
  const bus = await freshBus();
  try {
    const name = 'chat:room.1 *>:é';
    const c = collector();
    const sub = await bus.subscribe(name, (d) => c.got.push(d));
    const ack = await bus.publish({ stream: name, data: '"hi"', history: true });
    await c.wait(1);
    assert.equal(c.got[0]!.stream, name);
    assert.equal((await bus.read(name, { epoch: bus.epoch(), offset: 0 }, 10)).events[0]?.offset, ack.offset);
    sub.unsubscribe();
  } finally {
    await bus.close();
  }
});

test('a late copy of an already delivered event is dropped, and later events still arrive', async () => {
  const bus = await freshBus();
  try {
    const c = collector();
    const sub = await bus.subscribe('dup', (d) => c.got.push(d));
    const a1 = await bus.publish({ stream: 'dup', data: '1', history: true });
    await c.wait(1);
    // What a live copy arriving after a resync looks like: same subject, an offset already passed on.
    const h = headers();
    h.set('Nats-Sequence', String(a1.offset));
    h.set('Nats-Last-Sequence', '0');
    nc.publish('herald.live.dup', 'stale', { headers: h });
    const a2 = await bus.publish({ stream: 'dup', data: '2', history: true });
    await c.wait(2);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(c.got.map((d) => [d.offset, d.data, d.epoch]), [
      [a1.offset, '1', bus.epoch()],
      [a2.offset, '2', bus.epoch()],
    ]);
    sub.unsubscribe();
  } finally {
    await bus.close();
  }
});

test('a burst of subscribes while the streams are written: each subscriber has every event, below its head or live, once', async () => {
  const bus = await freshBus();
  const infoRequests = nc.subscribe(`$JS.API.STREAM.INFO.${bus.streamName}`);
  let infos = 0;
  void (async () => {
    for await (const _ of infoRequests) infos++;
  })();
  try {
    const streams = Array.from({ length: 200 }, (_, i) => `burst:${i}`);
    const live = new Map<string, number[]>(streams.map((s) => [s, []]));
    const write = async (stream: string): Promise<readonly [string, number[]]> => [stream, [(await bus.publish({ stream, data: 'a', history: true })).offset, (await bus.publish({ stream, data: 'b', history: true })).offset]];
    // Half the streams are written while they are being subscribed (events land before, between and
    // after the head is read); the other half are empty until every subscribe has its head.
    const writing = Promise.all(streams.filter((_, i) => i % 2 === 0).map(write));
    const subs = await Promise.all(streams.map((stream) => bus.subscribe(stream, (d) => live.get(stream)!.push(d.offset))));
    await nc.flush();
    const infosOfSubscribes = infos;
    const written = new Map([...(await writing), ...(await Promise.all(streams.filter((_, i) => i % 2 === 1).map(write)))]);
    await nc.flush();
    await new Promise((r) => setTimeout(r, 200));
    for (const [i, stream] of streams.entries()) {
      const head = subs[i]!.head;
      const offsets = written.get(stream)!;
      const got = live.get(stream)!;
      assert.deepEqual(got, offsets.filter((o) => o > head), `${stream}: live events are exactly those after head ${head}`);
      const replay = await bus.read(stream, { epoch: bus.epoch(), offset: head }, 10);
      assert.deepEqual(replay.events.map((e) => e.offset), got, `${stream}: a resume from the head replays the same events`);
    }
    assert.ok(infosOfSubscribes < 10, `200 subscribes share stream info requests (${infosOfSubscribes})`);
    for (const s of subs) s.unsubscribe();
  } finally {
    infoRequests.unsubscribe();
    await bus.close();
  }
});

test('a stored publish that no stream acknowledges within the deadline fails naming the stream, the deadline and the tries', async () => {
  const bus = await freshBus({}, { manageStream: false, publishDeadlineMs: 600 });
  try {
    // No stream captures the subject any more, as while a failover outlasts the deadline.
    await (await jetstreamManager(nc)).streams.delete(bus.streamName);
    const err = await bus.publish({ stream: 'lost', data: '1', history: true }).then(
      () => assert.fail('published without a stream'),
      (e: unknown) => e as Error & { cause?: unknown },
    );
    assert.match(err.message, /^event for stream lost not acknowledged by JetStream within 0\.6 s, ([2-9]|\d\d+) attempts \(last: .+\)$/);
    assert.ok(err.cause instanceof Error, 'the last JetStream error is kept as the cause');
  } finally {
    await bus.close();
  }
});
