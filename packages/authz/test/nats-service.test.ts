import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NatsConnection } from '@nats-io/transport-node';
import { useLocalNats } from '../../../test/support/nats.js';
import { createVerifier, signDevToken, type Identity } from '@herald/auth';
import { createCatalog } from '@herald/channels';
import {
  AuthzService,
  CachingAuthorizer,
  KvOwnershipStore,
  LocalAuthorizer,
  NatsAuthorizer,
  decodeCheckReply,
  type Authorizer,
  type AuthzRequest,
} from '@herald/authz';

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';
// An owner-rule channel of the real catalog: rules.owner('ai_conversation', 'conversation_id').
const CHANNEL = 'AiConversationChannel';

const fixture = useLocalNats();
const conn = (): Promise<NatsConnection> => fixture.connect();
let store: KvOwnershipStore;
let authorizer: Authorizer;
let alice: Identity;


const req = (identity: Identity, conversationId: string): AuthzRequest => ({
  identity,
  channel: CHANNEL,
  params: { conversation_id: conversationId },
});

before(async () => {
  const catalog = createCatalog();
  assert.equal(catalog.get(CHANNEL)?.rule.kind, 'owner');
  store = await KvOwnershipStore.open(await conn());
  authorizer = new LocalAuthorizer((name) => catalog.get(name)?.rule, store, 5_000);
  const verifier = await createVerifier({ secret: SECRET });
  alice = await verifier.verify(await signDevToken({ secret: SECRET, sub: 'u-alice', account: 'acc-alice', permissions: ['conversations.read'] }));
  await store.setOwner('ai_conversation', 'c-alice', 'acc-alice');
  await store.setOwner('ai_conversation', 'c-bob', 'acc-bob');
});


test('allowed when the KV says the identity account owns the resource, denied with a reason otherwise', async () => {
  const service = await AuthzService.start(await conn(), { authorizer });
  try {
    const client = new NatsAuthorizer(await conn(), { timeoutMs: 2_000 });
    assert.deepEqual(await client.check(req(alice, 'c-alice')), { allow: true, ttlMs: 5_000 });
    const denied = await client.check(req(alice, 'c-bob'));
    assert.equal(denied.allow, false);
    assert.match(denied.reason ?? '', /ai_conversation c-bob is not owned/);
    const unknown = await client.check({ ...req(alice, 'c-alice'), channel: 'NoSuchChannel' });
    assert.deepEqual(unknown, { allow: false, reason: 'unknown channel NoSuchChannel' });
    // Ownership moves: the next check sees the KV, not a stale answer.
    await store.setOwner('ai_conversation', 'c-moving', 'acc-bob');
    assert.equal((await client.check(req(alice, 'c-moving'))).allow, false);
    await store.setOwner('ai_conversation', 'c-moving', 'acc-alice');
    assert.equal((await client.check(req(alice, 'c-moving'))).allow, true);
    assert.equal(service.handled, 5);
    assert.equal(service.failed, 0);
  } finally {
    await service.stop();
  }
});

test('two instances on two connections share the load through the queue group', async () => {
  const a = await AuthzService.start(await conn(), { authorizer });
  const b = await AuthzService.start(await conn(), { authorizer });
  try {
    const client = new NatsAuthorizer(await conn());
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => client.check(req(alice, i % 2 ? 'c-alice' : 'c-bob'))));
    assert.equal(results.filter((r) => r.allow).length, 100);
    assert.ok(a.handled > 0 && b.handled > 0, `handled a=${a.handled} b=${b.handled}`);
    assert.equal(a.handled + b.handled, 200);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

test('service stopped: checks reject quickly (no responders) and never allow; a cache still answers what it holds', async () => {
  const service = await AuthzService.start(await conn(), { authorizer });
  const client = new NatsAuthorizer(await conn(), { timeoutMs: 1_500 });
  const cached = new CachingAuthorizer(client);
  assert.equal((await cached.check(req(alice, 'c-alice'))).allow, true);
  await service.stop();

  const started = Date.now();
  await assert.rejects(client.check(req(alice, 'c-alice')), /authz service unavailable.*no responders/i);
  assert.ok(Date.now() - started < 1_500, 'no responders must not wait for the timeout');
  await assert.rejects(cached.check(req(alice, 'c-other')), /authz service unavailable/);
  assert.deepEqual(await cached.check(req(alice, 'c-alice')), { allow: true, ttlMs: 5_000 });
  assert.equal(cached.hits, 1);
});

test('a responder that never answers: the check rejects at the timeout', async () => {
  const silent = (await conn()).subscribe('herald.authz.check', { queue: 'herald-authz', callback: () => {} });
  try {
    const client = new NatsAuthorizer(await conn(), { timeoutMs: 300 });
    const started = Date.now();
    await assert.rejects(client.check(req(alice, 'c-alice')), /authz service unavailable/);
    assert.ok(Date.now() - started >= 250);
  } finally {
    silent.unsubscribe();
  }
});

test('malformed requests and authorizer failures get {error}; the service keeps serving', async () => {
  const errors: string[] = [];
  const failing: Authorizer = {
    check: (r) => (r.channel === 'Boom' ? Promise.reject(new Error('kv down')) : authorizer.check(r)),
  };
  const service = await AuthzService.start(await conn(), { authorizer: failing, onError: (msg) => errors.push(msg) });
  try {
    const nc = await conn();
    for (const payload of ['not json', '[]', JSON.stringify({ channel: CHANNEL }), JSON.stringify({ ...req(alice, 'c-alice'), params: { conversation_id: 7 } })]) {
      const reply = decodeCheckReply((await nc.request('herald.authz.check', payload, { timeout: 2_000 })).data);
      assert.ok('error' in reply && reply.error.length > 0, `no error for ${payload}`);
    }
    const client = new NatsAuthorizer(nc);
    await assert.rejects(client.check({ ...req(alice, 'c-alice'), channel: 'Boom' }), /authz service failed: kv down/);
    assert.equal((await client.check(req(alice, 'c-alice'))).allow, true);
    assert.equal(service.failed, 5);
    assert.equal(service.handled, 1);
    assert.equal(errors.length, 5);
  } finally {
    await service.stop();
  }
});

test('stop() answers the requests already received before it resolves', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let received!: () => void;
  const arrived = new Promise<void>((r) => (received = r));
  const slow: Authorizer = {
    check: async (r) => {
      received();
      await gate;
      return authorizer.check(r);
    },
  };
  const service = await AuthzService.start(await conn(), { authorizer: slow });
  const pending = new NatsAuthorizer(await conn(), { timeoutMs: 5_000 }).check(req(alice, 'c-alice'));
  await arrived;
  let stopped = false;
  const stopping = service.stop().then(() => (stopped = true));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(stopped, false);
  release();
  assert.equal((await pending).allow, true);
  await stopping;
  assert.equal(service.handled, 1);
});
