import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NatsConnection } from '@nats-io/transport-node';
import { useLocalNats } from '../../../test/support/nats.js';
import { KvOwnershipStore, subscribeInvalidations, publishInvalidation, type Invalidation } from '@herald/authz';

const fixture = useLocalNats();
let nc: NatsConnection;
let listener: NatsConnection;

before(async () => {
  nc = await fixture.connect();
  listener = await fixture.connect();
});

/** Collects invalidations on a separate connection, as an edge would see them. */
async function collect(): Promise<{ seen: Invalidation[]; stop(): void }> {
  const seen: Invalidation[] = [];
  const sub = subscribeInvalidations(listener, (inv) => seen.push(inv));
  await listener.flush();
  return { seen, stop: () => sub.unsubscribe() };
}

/** Publishes a marker and waits for it: everything published before it has then arrived too. */
async function settle(seen: Invalidation[]): Promise<Invalidation[]> {
  const marker = `marker-${Math.random()}`;
  publishInvalidation(nc, { user_id: marker });
  for (let i = 0; i < 200 && !seen.some((s) => s.user_id === marker); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(seen.some((s) => s.user_id === marker), 'marker invalidation not received');
  return seen.filter((s) => s.user_id !== marker);
}

test('KV ownership round trip, with keys that need escaping', async () => {
  const store = await KvOwnershipStore.open(nc);
  assert.equal(await store.getOwner('ai_conversation', 'c.1'), undefined);
  await store.setOwner('ai_conversation', 'c.1', 'acc-1');
  await store.setOwner('ai_conversation', 'c 1/*>', 'acc-2');
  assert.equal(await store.getOwner('ai_conversation', 'c.1'), 'acc-1');
  assert.equal(await store.getOwner('ai_conversation', 'c 1/*>'), 'acc-2');
  assert.equal(await store.getOwner('workflow', 'c.1'), undefined);
  await store.deleteOwner('ai_conversation', 'c.1');
  assert.equal(await store.getOwner('ai_conversation', 'c.1'), undefined);
  // A second open sees the same bucket (created once, opened afterwards).
  const again = await KvOwnershipStore.open(nc);
  assert.equal(await again.getOwner('ai_conversation', 'c 1/*>'), 'acc-2');
});

test('a change publishes an invalidation; an unchanged owner does not', async () => {
  const store = await KvOwnershipStore.open(nc, { bucket: 'herald_owners_inv' });
  const { seen, stop } = await collect();
  try {
    await store.setOwner('workflow', 'w-1', 'acc-1');
    await store.setOwner('workflow', 'w-1', 'acc-1'); // unchanged
    await store.setOwner('workflow', 'w-1', 'acc-2');
    await store.deleteOwner('workflow', 'w-1');
    await store.deleteOwner('workflow', 'w-1'); // already gone
    assert.deepEqual(await settle(seen), [
      { resource_type: 'workflow', resource_id: 'w-1' },
      { resource_type: 'workflow', resource_id: 'w-1' },
      { resource_type: 'workflow', resource_id: 'w-1' },
    ]);
  } finally {
    stop();
  }
});

test('malformed invalidations are ignored by subscribers', async () => {
  const { seen, stop } = await collect();
  try {
    nc.publish('herald.authz.invalidate', 'not json');
    nc.publish('herald.authz.invalidate', JSON.stringify({ resource_id: 42 }));
    nc.publish('herald.authz.invalidate', JSON.stringify({}));
    publishInvalidation(nc, { account_id: 'acc-9' });
    assert.deepEqual(await settle(seen), [{ account_id: 'acc-9' }]);
  } finally {
    stop();
  }
});
