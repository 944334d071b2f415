import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBus, type Bus, type Delivery } from '@herald/bus';
import { nativeCodec, StreamHub, type HubMember } from '@herald/session';

/** Topic fan-out with uWS semantics: a frame reaches the members subscribed to the topic at publish time. */
function topics() {
  const subs = new Map<string, Set<TestMember>>();
  return {
    fanout: { publish: (topic: string, frame: string) => subs.get(topic)?.forEach((m) => m.frames.push(frame)) },
    add(topic: string, m: TestMember) {
      if (!subs.has(topic)) subs.set(topic, new Set());
      subs.get(topic)!.add(m);
    },
  };
}
type Topics = ReturnType<typeof topics>;

class TestMember implements HubMember {
  readonly dialect = 0;
  isClosed = false;
  frames: string[] = [];
  constructor(private readonly t: Topics) {}
  sendFrame(f: string) {
    this.frames.push(f);
  }
  subscribeTopic(topic: string) {
    this.t.add(topic, this);
  }
  offsets(): number[] {
    return this.frames.map((f) => JSON.parse(f).offset as number);
  }
}

const publish = (bus: Bus, stream: string, n: number) => bus.publish({ stream, data: `{"n":${n}}`, history: true });

async function join(hub: StreamHub, m: TestMember, stream: string, since?: number, epoch = 'e') {
  const p = await hub.prepare(stream, m, { history: true, ...(since !== undefined ? { since: { epoch, offset: since } } : {}) });
  await p.commit();
  return p;
}

test('one bus subscription per stream, shared and released after the linger', async () => {
  const bus = new MemoryBus({ epoch: 'e' });
  let subscribes = 0;
  const counting: Bus = Object.assign(Object.create(bus), { subscribe: (s: string, f: (d: Delivery) => void) => (subscribes++, bus.subscribe(s, f)), epoch: () => bus.epoch() });
  const t = topics();
  const hub = new StreamHub({ bus: counting, fanout: t.fanout, encoders: [nativeCodec.events], lingerMs: 30 });
  const a = new TestMember(t);
  const b = new TestMember(t);
  await join(hub, a, 's');
  await join(hub, b, 's');
  assert.equal(subscribes, 1);
  await publish(bus, 's', 1);
  assert.equal(a.frames.length, 1);
  assert.equal(b.frames.length, 1);
  assert.equal(a.frames[0], '{"type":"event","stream":"s","epoch":"e","offset":1,"event":{"n":1}}');
  hub.leave('s', a, () => {});
  hub.leave('s', b, () => {});
  assert.equal(hub.activeStreams, 1, 'kept during the linger');
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(hub.activeStreams, 0);
  await bus.close();
});

test('resume replays exactly the missed events, then continues live', async () => {
  const bus = new MemoryBus({ epoch: 'e' });
  const t = topics();
  const hub = new StreamHub({ bus, fanout: t.fanout, encoders: [nativeCodec.events] });
  for (let i = 1; i <= 5; i++) await publish(bus, 's', i);
  const m = new TestMember(t);
  const p = await join(hub, m, 's', 2);
  assert.equal(p.recovered, true);
  assert.equal(p.offset, 2);
  await publish(bus, 's', 6);
  assert.deepEqual(m.offsets(), [3, 4, 5, 6]);
  await bus.close();
});

test('events published while a replay is in flight arrive exactly once, in order', async () => {
  const bus = new MemoryBus({ epoch: 'e' });
  // A bus whose reads take a while (like JetStream), during which more events are published.
  const slow: Bus = Object.assign(Object.create(bus), {
    epoch: () => bus.epoch(),
    subscribe: bus.subscribe.bind(bus),
    last: bus.last.bind(bus),
    read: async (...args: Parameters<Bus['read']>) => {
      const r = await bus.read(...args);
      await new Promise((res) => setTimeout(res, 5));
      return r;
    },
  });
  const t = topics();
  const hub = new StreamHub({ bus: slow, fanout: t.fanout, encoders: [nativeCodec.events], pageSize: 2 });
  const live = new TestMember(t);
  await join(hub, live, 's'); // keeps the hub's subscription and head current
  for (let i = 1; i <= 5; i++) await publish(bus, 's', i);
  const m = new TestMember(t);
  const joining = join(hub, m, 's', 0);
  const publisher = (async () => {
    for (let i = 6; i <= 12; i++) {
      await publish(bus, 's', i);
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  await Promise.all([joining, publisher]);
  assert.deepEqual(m.offsets(), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  await bus.close();
});

test('an event fanned out while the first resume page was being read is not lost (the page was empty when read)', async () => {
  // Found by the resume benchmark: a client resuming at the head reads an empty page; an event
  // arrives live (fanned out before the client is on the topic) before the read returns. The
  // empty page must not be taken for history that ends short of the head.
  const bus = new MemoryBus({ epoch: 'e' });
  let release: (() => void) | undefined;
  const gated: Bus = Object.assign(Object.create(bus), {
    epoch: () => bus.epoch(),
    subscribe: bus.subscribe.bind(bus),
    last: bus.last.bind(bus),
    read: async (...args: Parameters<Bus['read']>) => {
      const r = await bus.read(...args); // read now (empty), answer later
      if (!release) await new Promise<void>((res) => (release = res));
      return r;
    },
  });
  const t = topics();
  const errors: string[] = [];
  const hub = new StreamHub({ bus: gated, fanout: t.fanout, encoders: [nativeCodec.events], onError: (m) => errors.push(m) });
  for (let i = 1; i <= 3; i++) await publish(bus, 's', i);
  const m = new TestMember(t);
  const joining = join(hub, m, 's', 3);
  while (!release) await new Promise((r) => setTimeout(r, 1));
  await publish(bus, 's', 4); // live, while the page (empty) is in flight
  release();
  const p = await joining;
  assert.equal(p.recovered, true);
  await publish(bus, 's', 5);
  assert.deepEqual(m.offsets(), [4, 5]);
  assert.deepEqual(errors, []);
  await bus.close();
});

test('resume from another epoch or an evicted offset is not recovered and replays nothing', async () => {
  const bus = new MemoryBus({ epoch: 'e', limits: { maxPerStream: 2 } });
  const t = topics();
  const hub = new StreamHub({ bus, fanout: t.fanout, encoders: [nativeCodec.events] });
  for (let i = 1; i <= 5; i++) await publish(bus, 's', i);
  const m = new TestMember(t);
  const old = await join(hub, m, 's', 1);
  assert.equal(old.recovered, false);
  assert.equal(old.offset, 5, 'starts from the head');
  assert.deepEqual(m.frames, []);
  const other = new TestMember(t);
  assert.equal((await join(hub, other, 's', 4, 'another-epoch')).recovered, false);
  await bus.close();
});

test('snapshot sends the latest stored event before going live', async () => {
  const bus = new MemoryBus({ epoch: 'e' });
  const t = topics();
  const hub = new StreamHub({ bus, fanout: t.fanout, encoders: [nativeCodec.events] });
  await publish(bus, 'status', 1);
  await publish(bus, 'status', 2);
  const m = new TestMember(t);
  const p = await hub.prepare('status', m, { history: true, snapshot: true });
  assert.equal(p.recovered, undefined);
  await p.commit();
  await publish(bus, 'status', 3);
  assert.deepEqual(m.offsets(), [2, 3]);
  await bus.close();
});

test('a gap on the live subscription is repaired from history before newer events', async () => {
  const bus = new MemoryBus({ epoch: 'e' });
  let drop = false;
  const lossy: Bus = Object.assign(Object.create(bus), {
    epoch: () => bus.epoch(),
    read: bus.read.bind(bus),
    last: bus.last.bind(bus),
    subscribe: (s: string, f: (d: Delivery) => void) => bus.subscribe(s, (d) => (drop ? undefined : f(d))),
  });
  const t = topics();
  const gaps: boolean[] = [];
  const hub = new StreamHub({ bus: lossy, fanout: t.fanout, encoders: [nativeCodec.events], metrics: { delivered() {}, streamsChanged() {}, gap: (r) => gaps.push(r) } });
  const m = new TestMember(t);
  await join(hub, m, 's');
  await publish(bus, 's', 1);
  drop = true;
  await publish(bus, 's', 2);
  await publish(bus, 's', 3);
  drop = false;
  await publish(bus, 's', 4);
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(m.offsets(), [1, 2, 3, 4]);
  assert.deepEqual(gaps, [true]);
  await bus.close();
});

test('a member closed while preparing gives its reference back', async () => {
  const bus = new MemoryBus({ epoch: 'e' });
  const t = topics();
  const hub = new StreamHub({ bus, fanout: t.fanout, encoders: [nativeCodec.events], lingerMs: 0 });
  const m = new TestMember(t);
  const p = await hub.prepare('s', m, { history: true });
  m.isClosed = true;
  await p.commit();
  assert.equal(hub.activeStreams, 0);
  await bus.close();
});

test('history newer than the live feed is left to the live feed (no duplicates when delivery lags storage)', async () => {
  const bus = new MemoryBus({ epoch: 'e' });
  // Live deliveries lag storage by a few ms, as over a network.
  const lagging: Bus = Object.assign(Object.create(bus), {
    epoch: () => bus.epoch(),
    read: bus.read.bind(bus),
    last: bus.last.bind(bus),
    subscribe: (s: string, f: (d: Delivery) => void) => bus.subscribe(s, (d) => void setTimeout(() => f(d), 3)),
  });
  const t = topics();
  const hub = new StreamHub({ bus: lagging, fanout: t.fanout, encoders: [nativeCodec.events] });
  const live = new TestMember(t);
  await join(hub, live, 's');
  for (let i = 1; i <= 3; i++) await publish(bus, 's', i);
  await new Promise((r) => setTimeout(r, 10));
  await publish(bus, 's', 4); // stored, not yet delivered live
  const m = new TestMember(t);
  await join(hub, m, 's', 0);
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(m.offsets(), [1, 2, 3, 4]);
  assert.deepEqual(live.offsets(), [1, 2, 3, 4]);
  await bus.close();
});
