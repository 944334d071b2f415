import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Identity } from '@herald/auth';
import {
  WireError,
  decodeCheckReply,
  decodeCheckRequest,
  decodeInvalidation,
  encodeCheckReply,
  encodeCheckRequest,
  encodeInvalidation,
  validateInvalidation,
} from '@herald/authz';

const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));

const identity: Identity = {
  userId: 'u1',
  accountId: undefined,
  permissions: ['p'],
  kind: 'worker',
  sessionId: 's',
  apiTokenId: undefined,
  expiresAt: 1_700_000_000_000,
  issuedAt: undefined,
  tokenHash: 'abc',
};

test('check request round trip keeps every identity field, undefined included', () => {
  const request = { identity, channel: 'Ch', params: { a: '1', 'x.y': '' } };
  assert.deepEqual(decodeCheckRequest(encodeCheckRequest(request)), request);
});

test('malformed check requests are WireErrors', () => {
  const good = JSON.parse(new TextDecoder().decode(encodeCheckRequest({ identity, channel: 'Ch', params: {} })));
  const bad = [
    'nope',
    [],
    null,
    { ...good, channel: '' },
    { ...good, identity: undefined },
    { ...good, identity: { ...good.identity, kind: 'root' } },
    { ...good, identity: { ...good.identity, userId: 5 } },
    { ...good, identity: { ...good.identity, permissions: [1] } },
    { ...good, identity: { ...good.identity, accountId: 7 } },
    { ...good, params: { a: 1 } },
    { ...good, params: ['a'] },
  ];
  for (const b of bad) assert.throws(() => decodeCheckRequest(enc(b)), WireError, JSON.stringify(b));
  assert.throws(() => decodeCheckRequest(new Uint8Array([0xff, 0xfe])), WireError);
});

test('a __proto__ param stays a plain value', () => {
  const r = decodeCheckRequest(enc(`{"identity":${JSON.stringify(identity)},"channel":"Ch","params":{"__proto__":"x"}}`));
  assert.equal(Object.getPrototypeOf(r.params), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(r.params, '__proto__')?.value, 'x');
});

test('check replies: decisions and errors round trip; bad replies are WireErrors', () => {
  for (const reply of [{ allow: true, ttlMs: 5 }, { allow: false, reason: 'no' }, { allow: false, retryable: true }, { error: 'boom' }]) {
    assert.deepEqual(decodeCheckReply(encodeCheckReply(reply)), reply);
  }
  for (const b of [{}, { allow: 'yes' }, { allow: true, ttlMs: -1 }, { allow: true, reason: 3 }, { error: 1 }]) {
    assert.throws(() => decodeCheckReply(enc(b)), WireError, JSON.stringify(b));
  }
});

test('invalidations: known fields only, at least one target', () => {
  assert.deepEqual(decodeInvalidation(encodeInvalidation({ resource_type: 't', resource_id: 'r' })), { resource_type: 't', resource_id: 'r' });
  assert.deepEqual(validateInvalidation({ all: true, extra: 1 }), { all: true });
  for (const b of [{}, { resource_type: 't' }, { all: false }, { user_id: 3 }, 'x', null]) {
    assert.throws(() => validateInvalidation(b), WireError, JSON.stringify(b));
  }
});
