import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Identity } from '@herald/auth';
import { CachingAuthorizer, cacheKey, type Authorizer, type AuthzRequest, type Decision } from '@herald/authz';

const id = (over: Partial<Identity> = {}): Identity => ({
  userId: 'u1',
  accountId: 'a1',
  permissions: ['p1', 'p2'],
  kind: 'user',
  sessionId: 's1',
  apiTokenId: undefined,
  expiresAt: undefined,
  issuedAt: undefined,
  tokenHash: 'h',
  ...over,
});

const req = (params: Record<string, string> = { conversation_id: 'c1' }, identity = id(), channel = 'Ch'): AuthzRequest => ({
  identity,
  channel,
  params,
});

/** Counts calls and answers with `decide` (default: allow for 1s). */
class Counting implements Authorizer {
  calls = 0;
  constructor(public decide: (r: AuthzRequest) => Decision | Promise<Decision> = () => ({ allow: true, ttlMs: 1000 })) {}
  async check(r: AuthzRequest): Promise<Decision> {
    this.calls++;
    return this.decide(r);
  }
}

/** An authorizer whose answers (allow) wait until `release()`. */
function gated(): { inner: Counting; release: () => void } {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const inner = new Counting(async () => {
    await gate;
    return { allow: true, ttlMs: 1000 };
  });
  return { inner, release };
}

function clock(start = 1_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

test('a decision is cached for its ttl, then asked again', async () => {
  const inner = new Counting();
  const c = clock();
  const cache = new CachingAuthorizer(inner, { now: c.now });
  await cache.check(req());
  await cache.check(req());
  c.t += 999;
  await cache.check(req());
  assert.equal(inner.calls, 1);
  c.t += 1;
  await cache.check(req());
  assert.equal(inner.calls, 2);
  assert.equal(cache.hits, 2);
  assert.equal(cache.misses, 2);
});

test('no ttl, zero ttl and retryable decisions are not cached; denies with a ttl are', async () => {
  const answers: Decision[] = [{ allow: true }, { allow: true, ttlMs: 0 }, { allow: false, retryable: true, ttlMs: 1000 }];
  for (const answer of answers) {
    const inner = new Counting(() => answer);
    const cache = new CachingAuthorizer(inner);
    await cache.check(req());
    await cache.check(req());
    assert.equal(inner.calls, 2, JSON.stringify(answer));
    assert.equal(cache.size, 0);
  }
  const inner = new Counting(() => ({ allow: false, reason: 'no', ttlMs: 1000 }));
  const cache = new CachingAuthorizer(inner);
  await cache.check(req());
  assert.deepEqual(await cache.check(req()), { allow: false, reason: 'no', ttlMs: 1000 });
  assert.equal(inner.calls, 1);
});

test('failures are not cached and reach every waiter', async () => {
  let fail = true;
  const inner = new Counting(() => {
    if (fail) throw new Error('authz down');
    return { allow: true, ttlMs: 1000 };
  });
  const cache = new CachingAuthorizer(inner);
  const results = await Promise.allSettled([cache.check(req()), cache.check(req())]);
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
  assert.equal(inner.calls, 1);
  fail = false;
  assert.equal((await cache.check(req())).allow, true);
  assert.equal(inner.calls, 2);
});

test('a synchronous throw from the inner authorizer is a rejection and leaves nothing in flight', async () => {
  let calls = 0;
  const inner: Authorizer = {
    check: () => {
      calls++;
      if (calls === 1) throw new Error('sync');
      return Promise.resolve({ allow: true, ttlMs: 1000 });
    },
  };
  const cache = new CachingAuthorizer(inner);
  await assert.rejects(cache.check(req()), /sync/);
  assert.equal((await cache.check(req())).allow, true);
  assert.equal(calls, 2);
});

test('identical concurrent checks share one request', async () => {
  const { inner, release } = gated();
  const cache = new CachingAuthorizer(inner);
  const pending = [
    cache.check(req({ a: '1', b: '2' })),
    cache.check(req({ b: '2', a: '1' })),
    cache.check(req({ a: '1', b: '2' }, id({ permissions: ['p2', 'p1'] }))),
    cache.check(req({ a: '1', b: '3' })),
  ];
  release();
  await Promise.all(pending);
  assert.equal(inner.calls, 2);
});

test('the key separates what the decision depends on', () => {
  const base = cacheKey(req());
  assert.equal(cacheKey(req({ conversation_id: 'c1' }, id({ permissions: ['p2', 'p1'], sessionId: 'other', tokenHash: 'x' }))), base);
  for (const other of [
    req({ conversation_id: 'c2' }),
    req({ conversation_id: 'c1' }, id(), 'Other'),
    req({ conversation_id: 'c1' }, id({ userId: 'u2' })),
    req({ conversation_id: 'c1' }, id({ accountId: 'a2' })),
    req({ conversation_id: 'c1' }, id({ accountId: undefined })),
    req({ conversation_id: 'c1' }, id({ kind: 'worker' })),
    req({ conversation_id: 'c1' }, id({ permissions: ['p1'] })),
    req({ conversation_id: 'c1', extra: '' }),
  ]) {
    assert.notEqual(cacheKey(other), base);
  }
});

test('invalidate by resource id, account, user and all', async () => {
  const inner = new Counting();
  const cache = new CachingAuthorizer(inner);
  const bob = id({ userId: 'u2', accountId: 'a2' });
  const fill = async () => {
    await cache.check(req({ conversation_id: 'c1' }));
    await cache.check(req({ conversation_id: 'c2' }));
    await cache.check(req({ conversation_id: 'c1' }, bob));
  };
  await fill();
  assert.equal(cache.size, 3);

  cache.invalidate({ resource_type: 'ai_conversation', resource_id: 'c1' });
  assert.equal(cache.size, 1);
  await fill();
  assert.equal(inner.calls, 5);

  cache.invalidate({ account_id: 'a2' });
  assert.equal(cache.size, 2);
  cache.invalidate({ user_id: 'u1' });
  assert.equal(cache.size, 0);
  await fill();
  assert.equal(cache.size, 3);

  cache.invalidate({ resource_id: 'nothing-cached' });
  assert.equal(cache.size, 3);
  cache.invalidate({ all: true });
  assert.equal(cache.size, 0);
  await fill();
  assert.equal(inner.calls, 11);
});

test('an invalidation during a check: the answer is returned but not cached, and later callers ask again', async () => {
  const { inner, release } = gated();
  const cache = new CachingAuthorizer(inner);
  const first = cache.check(req());
  cache.invalidate({ resource_id: 'c1' });
  // Does not join the stale request.
  const second = cache.check(req());
  cache.invalidate({ user_id: 'u1' });
  release();
  assert.equal((await first).allow, true);
  assert.equal((await second).allow, true);
  assert.equal(inner.calls, 2);
  assert.equal(cache.size, 0);
  await cache.check(req());
  await cache.check(req());
  assert.equal(inner.calls, 3);
  assert.equal(cache.size, 1);
});

test('maxEntries bounds the cache, evicting the oldest entry first', async () => {
  const inner = new Counting();
  const cache = new CachingAuthorizer(inner, { maxEntries: 3 });
  for (const c of ['c1', 'c2', 'c3', 'c4']) await cache.check(req({ conversation_id: c }));
  assert.equal(cache.size, 3);
  await cache.check(req({ conversation_id: 'c4' }));
  await cache.check(req({ conversation_id: 'c2' }));
  assert.equal(inner.calls, 4);
  await cache.check(req({ conversation_id: 'c1' }));
  assert.equal(inner.calls, 5);
  // Evicted entries leave no index behind: invalidating them is a no-op.
  cache.invalidate({ resource_id: 'c1' });
  assert.equal(cache.size, 2);
});
