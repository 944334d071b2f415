import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { createVerifier, signDevToken } from '../src/index.js';
import { SECRET, now, rejectsWith } from './helpers.js';

describe('signDevToken', () => {
  test('round trip with every field', async () => {
    const verifier = await createVerifier({ secret: SECRET, issuer: 'herald-dev', audience: 'herald' });
    const token = await signDevToken({
      secret: SECRET,
      sub: 'u-1',
      account: 'acc-1',
      permissions: ['conversations.read', 'admin.access'],
      kind: 'worker',
      sessionId: 'sess-1',
      apiTokenId: 'tok-1',
      ttlSec: 120,
      issuer: 'herald-dev',
      audience: 'herald',
    });
    const id = await verifier.verify(token);
    assert.equal(id.userId, 'u-1');
    assert.equal(id.accountId, 'acc-1');
    assert.deepEqual(id.permissions, ['conversations.read', 'admin.access']);
    assert.equal(id.kind, 'worker');
    assert.equal(id.sessionId, 'sess-1');
    assert.equal(id.apiTokenId, 'tok-1');
    const payload = decodeJwt(token);
    assert.equal(payload.exp! - payload.iat!, 120);
    assert.ok(Math.abs(payload.iat! - now()) <= 2);
    assert.equal(id.expiresAt, payload.exp! * 1000);
    assert.deepEqual(decodeProtectedHeader(token), { alg: 'HS256', typ: 'JWT' });
  });

  test('defaults: one hour, random sid, kind user, no account', async () => {
    const verifier = await createVerifier({ secret: SECRET });
    const a = await signDevToken({ secret: SECRET, sub: 'u' });
    const b = await signDevToken({ secret: SECRET, sub: 'u' });
    const pa = decodeJwt(a);
    assert.equal(pa.exp! - pa.iat!, 3600);
    assert.equal(typeof pa['sid'], 'string');
    assert.notEqual(pa['sid'], decodeJwt(b)['sid']);
    const id = await verifier.verify(a);
    assert.equal(id.kind, 'user');
    assert.equal(id.accountId, undefined);
    assert.equal(id.sessionId, pa['sid']);
  });

  test('HS384/HS512 and a narrowed verifier', async () => {
    const token = await signDevToken({ secret: SECRET, sub: 'u', alg: 'HS512' });
    assert.equal(decodeProtectedHeader(token).alg, 'HS512');
    await (await createVerifier({ secret: SECRET, algorithms: ['HS512'] })).verify(token);
    await rejectsWith((await createVerifier({ secret: SECRET, algorithms: ['HS256'] })).verify(token), 'algorithm_not_allowed');
    assert.equal(decodeProtectedHeader(await signDevToken({ secret: SECRET, sub: 'u', alg: 'HS384' })).alg, 'HS384');
  });

  test('writes under mapped claim names (dotted → nested) and round-trips through the same mapping', async () => {
    const claims = { user: 'uid', account: 'app_metadata.account_id', permissions: 'scope', kind: 'app_metadata.kind', session: 'session' };
    const token = await signDevToken({ secret: SECRET, sub: 'u', account: 'acc', permissions: ['a'], kind: 'service', sessionId: 's', claims, extra: { app_metadata: { plan: 'pro' }, uid: 'overridden' } });
    const payload = decodeJwt(token);
    assert.equal(payload.sub, undefined);
    assert.equal(payload['uid'], 'u');
    assert.deepEqual(payload['app_metadata'], { plan: 'pro', account_id: 'acc', kind: 'service' });
    assert.deepEqual(payload['scope'], ['a']);
    const id = await (await createVerifier({ secret: SECRET, claims })).verify(token);
    assert.deepEqual([id.userId, id.accountId, id.kind, id.sessionId, id.permissions], ['u', 'acc', 'service', 's', ['a']]);
    await rejectsWith((await createVerifier({ secret: SECRET })).verify(token), 'missing_claim');
  });

  test('a token signed with another secret does not verify', async () => {
    const token = await signDevToken({ secret: 'some-other-secret-that-is-32-bytes-long', sub: 'u' });
    await rejectsWith((await createVerifier({ secret: SECRET })).verify(token), 'invalid_signature');
  });

  test('refuses a short secret, an empty sub and a bad ttl', async () => {
    await assert.rejects(signDevToken({ secret: 'short', sub: 'u' }), /32 bytes/);
    await assert.rejects(signDevToken({ secret: SECRET, sub: '' }), /sub/);
    await assert.rejects(signDevToken({ secret: SECRET, sub: 'u', ttlSec: 0 }), /ttlSec/);
  });
});
