import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { REVOCATION_KINDS, RevocationList, revocationMatches, validateRevokeInput, type Revocation, type RevocationKind } from '@herald/control';
import { identity } from './helpers.js';

const rev = (kind: RevocationKind, value: string, revokedAt = 5_000, expiresAt = 100_000): Revocation => ({
  kind,
  value,
  reason: '',
  revokedAt,
  expiresAt,
});

describe('revocationMatches', () => {
  test('session matches the token hash or the session id', () => {
    assert.equal(revocationMatches(rev('session', 'h1'), identity()), true);
    assert.equal(revocationMatches(rev('session', 's1'), identity()), true);
    assert.equal(revocationMatches(rev('session', 'other'), identity()), false);
    assert.equal(revocationMatches(rev('session', 's1'), identity({ sessionId: undefined })), false);
  });

  test('api_token matches the api token id only', () => {
    assert.equal(revocationMatches(rev('api_token', 't1'), identity()), true);
    assert.equal(revocationMatches(rev('api_token', 't1'), identity({ apiTokenId: undefined })), false);
    assert.equal(revocationMatches(rev('api_token', 'u1'), identity()), false);
  });

  for (const [kind, field] of [['user', 'userId'], ['account', 'accountId']] as const) {
    test(`${kind} blocks tokens issued at or before the revocation, or without iat`, () => {
      const r = rev(kind, 'x', 5_000);
      assert.equal(revocationMatches(r, identity({ [field]: 'x', issuedAt: 4_000 })), true);
      assert.equal(revocationMatches(r, identity({ [field]: 'x', issuedAt: 5_000 })), true);
      assert.equal(revocationMatches(r, identity({ [field]: 'x', issuedAt: undefined })), true);
      // Logged in again after the revocation: allowed.
      assert.equal(revocationMatches(r, identity({ [field]: 'x', issuedAt: 5_001 })), false);
      assert.equal(revocationMatches(r, identity({ [field]: 'y', issuedAt: 4_000 })), false);
    });
  }
});

describe('RevocationList', () => {
  test('finds a revocation of every kind', () => {
    for (const kind of REVOCATION_KINDS) {
      const list = new RevocationList(() => 10_000);
      const value = { session: 'h1', api_token: 't1', user: 'u1', account: 'a1' }[kind];
      assert.equal(list.add(rev(kind, value)), true);
      assert.equal(list.find(identity())?.kind, kind);
      assert.equal(list.find(identity({ userId: 'u2', accountId: 'a2', sessionId: 's2', apiTokenId: 't2', tokenHash: 'h2' })), undefined);
    }
  });

  test('the token hash (computed on first read) is read only when a session revocation exists', () => {
    let reads = 0;
    const base = identity();
    const lazy = Object.defineProperty({ ...base }, 'tokenHash', {
      get: () => {
        reads++;
        return 'h1';
      },
      enumerable: true,
    });
    const list = new RevocationList(() => 10_000);
    list.add(rev('user', 'someone-else'));
    list.add(rev('account', 'other-account'));
    assert.equal(list.find(lazy), undefined);
    assert.equal(reads, 0);
    list.add(rev('session', 'h1'));
    assert.equal(list.find(lazy)?.kind, 'session');
    assert.ok(reads >= 1);
  });

  test('a user revocation does not block a token issued after it', () => {
    const list = new RevocationList(() => 10_000);
    list.add(rev('user', 'u1', 5_000));
    assert.equal(list.find(identity({ issuedAt: 6_000 })), undefined);
    assert.ok(list.find(identity({ issuedAt: 4_000 })));
  });

  test('add reports only new information', () => {
    const list = new RevocationList(() => 10_000);
    assert.equal(list.add(rev('user', 'u1', 5_000)), true);
    assert.equal(list.add(rev('user', 'u1', 5_000)), false);
    assert.equal(list.add(rev('user', 'u1', 4_000)), false);
    assert.equal(list.add(rev('user', 'u1', 6_000)), true);
    assert.equal(list.size, 1);
    assert.equal(list.add(rev('user', 'u2', 6_000, 9_000)), false, 'already expired');
  });

  test('find ignores expired entries and prune removes them', () => {
    let now = 10_000;
    const list = new RevocationList(() => now);
    list.add(rev('session', 'h1', 5_000, 20_000));
    list.add(rev('api_token', 'other', 5_000, 20_000));
    list.add(rev('user', 'nobody', 5_000, 30_000));
    assert.ok(list.find(identity()));
    assert.equal(list.find(identity(), 20_000), undefined, 'expiresAt is exclusive');
    now = 25_000;
    assert.equal(list.find(identity()), undefined);
    assert.equal(list.size, 2, 'the looked-up entry was dropped lazily');
    list.prune();
    assert.equal(list.size, 1);
    list.prune(30_000);
    assert.equal(list.size, 0);
  });
});

describe('validateRevokeInput', () => {
  test('accepts good input and normalises it', () => {
    assert.deepEqual(validateRevokeInput({ kind: 'user', value: 'u1', reason: 'fired', ttlMs: 60_000, extra: 1 }), {
      kind: 'user',
      value: 'u1',
      reason: 'fired',
      ttlMs: 60_000,
    });
    assert.deepEqual(validateRevokeInput({ kind: 'session', value: 'h' }), { kind: 'session', value: 'h' });
  });

  const bad: [unknown, RegExp][] = [
    [null, /object/],
    ['user', /object/],
    [[], /object/],
    [{ value: 'x' }, /kind must be one of session, account, user, api_token/],
    [{ kind: 'device', value: 'x' }, /kind/],
    [{ kind: 'user' }, /value/],
    [{ kind: 'user', value: '' }, /value/],
    [{ kind: 'user', value: 7 }, /value/],
    [{ kind: 'user', value: 'x'.repeat(513) }, /value.*512/],
    [{ kind: 'user', value: 'x', reason: 5 }, /reason/],
    [{ kind: 'user', value: 'x', reason: 'r'.repeat(257) }, /reason.*256/],
    [{ kind: 'user', value: 'x', ttlMs: 0 }, /ttlMs/],
    [{ kind: 'user', value: 'x', ttlMs: -5 }, /ttlMs/],
    [{ kind: 'user', value: 'x', ttlMs: 1.5 }, /ttlMs/],
    [{ kind: 'user', value: 'x', ttlMs: '100' }, /ttlMs/],
  ];
  for (const [input, message] of bad) {
    test(`rejects ${JSON.stringify(input)?.slice(0, 60)}`, () => {
      const out = validateRevokeInput(input);
      assert.equal(typeof out, 'string');
      assert.match(out as string, message);
    });
  }
  test('accepts limits exactly', () => {
    assert.equal(typeof validateRevokeInput({ kind: 'api_token', value: 'x'.repeat(512), reason: 'r'.repeat(256), ttlMs: 1 }), 'object');
  });
});
