import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryControlPlane, type Revocation } from '@herald/control';
import { identity } from './helpers.js';

test('MemoryControlPlane: revoke, check and onRevoke', async () => {
  let now = 10_000;
  const plane = new MemoryControlPlane({ defaultTtlMs: 60_000, now: () => now });
  const seen: Revocation[] = [];
  const off = plane.onRevoke((r) => seen.push(r));
  try {
    assert.equal(plane.check(identity()), undefined);
    const r = await plane.revoke({ kind: 'user', value: 'u1', reason: 'left' });
    assert.deepEqual(r, { kind: 'user', value: 'u1', reason: 'left', revokedAt: 10_000, expiresAt: 70_000 });
    assert.deepEqual(seen, [r]);
    assert.deepEqual(plane.check(identity({ issuedAt: 9_000 })), r);
    assert.equal(plane.check(identity({ issuedAt: 11_000 })), undefined, 'a new login is allowed');

    const s = await plane.revoke({ kind: 'session', value: 's9', ttlMs: 1_000 });
    assert.equal(s.reason, '');
    assert.equal(s.expiresAt, 11_000);
    assert.deepEqual(plane.check(identity({ sessionId: 's9', issuedAt: 20_000 })), s);
    now = 11_000;
    assert.equal(plane.check(identity({ sessionId: 's9', issuedAt: 20_000 })), undefined, 'expired');
    assert.equal(seen.length, 2);

    await assert.rejects(plane.revoke({ kind: 'user', value: '' }), /value/);
    off();
    await plane.revoke({ kind: 'account', value: 'a1' });
    assert.equal(seen.length, 2, 'unsubscribed listener is not called');
  } finally {
    await plane.close();
  }
});

test('MemoryControlPlane: a throwing listener does not stop the others', async () => {
  const plane = new MemoryControlPlane();
  let calls = 0;
  plane.onRevoke(() => {
    throw new Error('boom');
  });
  plane.onRevoke(() => calls++);
  await plane.revoke({ kind: 'api_token', value: 't1' });
  assert.equal(calls, 1);
  assert.ok(plane.check(identity()));
  await plane.close();
});

test('MemoryControlPlane: re-revoking keeps the longer expiry', async () => {
  let now = 0;
  const plane = new MemoryControlPlane({ now: () => now });
  await plane.revoke({ kind: 'user', value: 'u1', ttlMs: 10_000 });
  now = 1_000;
  const again = await plane.revoke({ kind: 'user', value: 'u1', ttlMs: 1_000 });
  assert.equal(again.expiresAt, 10_000);
  assert.equal(again.revokedAt, 1_000);
  await plane.close();
});
