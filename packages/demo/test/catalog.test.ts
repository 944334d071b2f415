// The demo against the real pieces of embedded mode: the channel catalog, the
// in-memory bus, ownership store and authorizer. Checks that every stream the
// demo publishes to belongs to a catalogued channel, and that every suggested
// subscription resolves, is allowed for a user of the demo account, and sees events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Identity } from '@herald/auth';
import { LocalAuthorizer, MemoryOwnershipStore } from '@herald/authz';
import { MemoryBus } from '@herald/bus';
import { createCatalog, type SubscriptionRequest } from '@herald/channels';
import { startDemoProducers } from '@herald/demo';
import { BusProducer } from '@herald/producer';
import { waitFor } from './recording-producer.js';
import { testIdentity } from '../../../test/support/identity.js';

const ACCOUNT = 'demo';
const user = (accountId: string): Identity => testIdentity({ userId: 'demo-user', accountId });

test('demo streams and suggested subscriptions match the channel catalog and its rules', async () => {
  const catalog = createCatalog();
  const bus = new MemoryBus({ epoch: 'e' });
  const owners = new MemoryOwnershipStore();
  const authorizer = new LocalAuthorizer((name) => catalog.get(name)?.rule, owners);
  const streams = new Set<string>();
  const producer = new BusProducer(bus, catalog, owners);
  const recording = {
    setOwner: producer.setOwner.bind(producer),
    publish: (input: Parameters<BusProducer['publish']>[0]) => {
      input.streams.forEach((s) => streams.add(s));
      return producer.publish(input);
    },
  };
  const logs: string[] = [];
  const demo = startDemoProducers(recording, { accountId: ACCOUNT, intervalMs: 4, log: (msg, fields) => logs.push(`${msg} ${JSON.stringify(fields)}`) });
  const requests = demo.resources.subscriptions.map((s): SubscriptionRequest => (catalog.get(s.channel)?.kind === 'channelId' ? { channelId: `${s.channel}:${s.params['id']}` } : s));
  const resolvedStreams = requests.map((r) => {
    const res = catalog.resolve(r, user(ACCOUNT));
    assert.ok(res.ok, `${JSON.stringify(r)} resolves: ${res.ok ? '' : res.message}`);
    return res.streams;
  });
  try {
    await waitFor(() => resolvedStreams.every((ss) => ss.every((s) => streams.has(s))), 20_000, 'events on every suggested subscription');
  } finally {
    await demo.stop();
  }
  assert.deepEqual(logs.filter((l) => l.includes('failed')), [], 'no publish failed');

  for (const s of streams) {
    const info = catalog.streamInfo(s);
    assert.ok(info, `${s} belongs to a catalogued channel`);
    assert.equal(info.history, !s.startsWith('ai_streaming:'), `${s} history setting`);
  }

  for (const r of requests) {
    const res = catalog.resolve(r, user(ACCOUNT));
    assert.ok(res.ok);
    const allowed = await authorizer.check({ identity: user(ACCOUNT), channel: res.def.name, params: res.params });
    assert.equal(allowed.allow, true, `${JSON.stringify(r)} allowed for the demo account: ${allowed.reason}`);
    const other = catalog.resolve(r, user('someone-else'));
    if (other.ok) {
      const denied = await authorizer.check({ identity: user('someone-else'), channel: other.def.name, params: other.params });
      assert.equal(denied.allow, false, `${JSON.stringify(r)} refused for another account`);
    }
  }
  await bus.close();
});
