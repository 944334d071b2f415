import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { AuthError, DEFAULT_CLAIMS, createVerifier, identityFromClaims, readClaim, resolveClaimMapping, type ClaimMapping } from '../src/index.js';
import { SECRET, SECRET_BYTES, rejectsWith, sign } from './helpers.js';

const reason = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof AuthError, `expected AuthError, got ${String(err)}`);
    return err.reason;
  }
  assert.fail('expected a throw');
};

describe('identityFromClaims', () => {
  test('default mapping', () => {
    assert.deepEqual(DEFAULT_CLAIMS, { user: 'sub', account: 'account_id', permissions: 'permissions', session: 'sid', apiToken: 'api_token_id', kind: 'kind' });
    const id = identityFromClaims({ sub: 'u', account_id: 'a', permissions: ['x'], sid: 's', api_token_id: 't', kind: 'service', exp: 1_700_000_000, iat: 1_699_999_000 }, DEFAULT_CLAIMS, 'h');
    assert.deepEqual({ ...id }, { userId: 'u', accountId: 'a', permissions: ['x'], kind: 'service', sessionId: 's', apiTokenId: 't', expiresAt: 1_700_000_000_000, issuedAt: 1_699_999_000_000, tokenHash: 'h' });
  });

  test('custom claim names and dotted paths', () => {
    const mapping: ClaimMapping = {
      user: 'user_id',
      account: 'app_metadata.account_id',
      permissions: 'scope',
      session: 'session_id',
      apiToken: 'https://herald.dev/claims.token',
      kind: 'app_metadata.herald.kind',
    };
    const id = identityFromClaims(
      {
        sub: 'ignored',
        user_id: 'u-9',
        app_metadata: { account_id: 'acc-nested', herald: { kind: 'worker' } },
        scope: 'read:x  write:y read:x',
        session_id: 'sess',
        'https://herald.dev/claims.token': 'tok-literal',
      },
      mapping,
      'h',
    );
    assert.equal(id.userId, 'u-9');
    assert.equal(id.accountId, 'acc-nested');
    assert.deepEqual(id.permissions, ['read:x', 'write:y']);
    assert.equal(id.sessionId, 'sess');
    assert.equal(id.apiTokenId, 'tok-literal');
    assert.equal(id.kind, 'worker');
  });

  test('a literal key wins over the dotted path of the same name', () => {
    const mapping = resolveClaimMapping({ account: 'app_metadata.account_id' });
    const id = identityFromClaims({ sub: 'u', 'app_metadata.account_id': 'literal', app_metadata: { account_id: 'nested' } }, mapping, 'h');
    assert.equal(id.accountId, 'literal');
    const nested = identityFromClaims({ sub: 'u', app_metadata: { account_id: 'nested' } }, mapping, 'h');
    assert.equal(nested.accountId, 'nested');
    const absent = identityFromClaims({ sub: 'u', app_metadata: { other: 1 } }, mapping, 'h');
    assert.equal(absent.accountId, undefined);
    const notObject = identityFromClaims({ sub: 'u', app_metadata: 'flat' }, mapping, 'h');
    assert.equal(notObject.accountId, undefined);
  });

  test('dotted paths only follow own properties', () => {
    assert.equal(readClaim({ sub: 'u' }, 'constructor.name'), undefined);
    assert.equal(readClaim({ sub: 'u' }, '__proto__.toString'), undefined);
    assert.equal(readClaim({ a: { b: [1] } }, 'a.b.length'), undefined);
    assert.equal(identityFromClaims({ sub: 'u' }, resolveClaimMapping({ account: 'constructor.name' }), 'h').accountId, undefined);
  });

  test('integer ids become strings; other types are malformed', () => {
    const id = identityFromClaims({ sub: 12345, account_id: 0, sid: 7 }, DEFAULT_CLAIMS, 'h');
    assert.equal(id.userId, '12345');
    assert.equal(id.accountId, '0');
    assert.equal(id.sessionId, '7');
    assert.equal(reason(() => identityFromClaims({ sub: 1.5 }, DEFAULT_CLAIMS, 'h')), 'malformed_token');
    assert.equal(reason(() => identityFromClaims({ sub: { id: 1 } }, DEFAULT_CLAIMS, 'h')), 'malformed_token');
    assert.equal(reason(() => identityFromClaims({ sub: 'u', account_id: true }, DEFAULT_CLAIMS, 'h')), 'malformed_token');
    assert.equal(reason(() => identityFromClaims({ sub: 2 ** 60 }, DEFAULT_CLAIMS, 'h')), 'malformed_token');
  });

  test('missing or empty user claim → missing_claim', () => {
    assert.equal(reason(() => identityFromClaims({ account_id: 'a' }, DEFAULT_CLAIMS, 'h')), 'missing_claim');
    assert.equal(reason(() => identityFromClaims({ sub: '' }, DEFAULT_CLAIMS, 'h')), 'missing_claim');
    assert.equal(reason(() => identityFromClaims({ sub: null }, DEFAULT_CLAIMS, 'h')), 'missing_claim');
    assert.equal(reason(() => identityFromClaims({ sub: 'u' }, resolveClaimMapping({ user: 'uid' }), 'h')), 'missing_claim');
  });

  test('permissions: array or space-separated string; anything else is malformed', () => {
    const perms = (v: unknown): readonly string[] => identityFromClaims({ sub: 'u', permissions: v }, DEFAULT_CLAIMS, 'h').permissions;
    assert.deepEqual(perms(['a', 'b']), ['a', 'b']);
    assert.deepEqual(perms('a b\tc'), ['a', 'b', 'c']);
    assert.deepEqual(perms(''), []);
    assert.deepEqual(perms(undefined), []);
    assert.deepEqual(perms(['a', '', 'a']), ['a']);
    assert.equal(reason(() => perms(['a', 1])), 'malformed_token');
    assert.equal(reason(() => perms({ a: true })), 'malformed_token');
    assert.equal(reason(() => perms(7)), 'malformed_token');
  });

  test('kind: user by default, user/worker/service accepted, anything else malformed', () => {
    const kind = (v: unknown): string => identityFromClaims({ sub: 'u', kind: v }, DEFAULT_CLAIMS, 'h').kind;
    assert.equal(kind(undefined), 'user');
    for (const k of ['user', 'worker', 'service']) assert.equal(kind(k), k);
    for (const k of ['admin', 'User', '', 1, ['worker']]) assert.equal(reason(() => kind(k)), 'malformed_token', String(k));
  });

  test('expiresAt is exp in milliseconds, or undefined', () => {
    assert.equal(identityFromClaims({ sub: 'u', exp: 2_000_000_000 }, DEFAULT_CLAIMS, 'h').expiresAt, 2_000_000_000_000);
    assert.equal(identityFromClaims({ sub: 'u' }, DEFAULT_CLAIMS, 'h').expiresAt, undefined);
    assert.equal(reason(() => identityFromClaims({ sub: 'u', exp: '2030' }, DEFAULT_CLAIMS, 'h')), 'malformed_token');
  });

  test('resolveClaimMapping keeps defaults for unset names', () => {
    assert.deepEqual(resolveClaimMapping(undefined), DEFAULT_CLAIMS);
    assert.deepEqual(resolveClaimMapping({ user: 'uid', kind: undefined }), { ...DEFAULT_CLAIMS, user: 'uid' });
    assert.throws(() => resolveClaimMapping({ account: '  ' }), /non-empty/);
  });
});

describe('claim mapping through the verifier', () => {
  test('custom names, dotted paths and permissions as a string', async () => {
    const verifier = await createVerifier({
      secret: SECRET,
      claims: { user: 'user_id', account: 'app_metadata.account_id', permissions: 'scope', kind: 'app_metadata.kind' },
    });
    const token = await sign(SECRET_BYTES, 'HS256', { sub: 'not-this', user_id: 77, app_metadata: { account_id: 'acc-1', kind: 'service' }, scope: 'read write' });
    const id = await verifier.verify(token);
    assert.equal(id.userId, '77');
    assert.equal(id.accountId, 'acc-1');
    assert.equal(id.kind, 'service');
    assert.deepEqual(id.permissions, ['read', 'write']);
    await rejectsWith(verifier.verify(await sign(SECRET_BYTES, 'HS256', { sub: 'only-sub' })), 'missing_claim');
  });
});
