import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fullJitter, stableJson, subscriptionKey, type SubscriptionError } from '@herald/client';
import { Backoff } from '../src/backoff.js';
import { sinceFrom } from '../src/positions.js';
import { Registry } from '../src/subscriptions.js';
import type { EventFrame } from '../src/wire.js';

test('full jitter: uniform in [0, min(cap, base·2^n)), the window doubles per attempt and stops at the cap', () => {
  const base = 500;
  const cap = 30_000;
  for (let n = 0; n < 12; n++) {
    const window = Math.min(cap, base * 2 ** n);
    assert.equal(fullJitter(n, base, cap, () => 0), 0, `attempt ${n}: the window starts at 0 (full jitter, not ±x %)`);
    assert.equal(fullJitter(n, base, cap, () => 0.999999), window - 1, `attempt ${n}: just under the window`);
    assert.equal(fullJitter(n, base, cap, () => 0.5), window / 2);
  }
  assert.equal(fullJitter(7, base, cap, () => 0.999999), cap - 1, 'base·2^7 = 64 s is capped at 30 s');
  assert.equal(fullJitter(10_000, base, cap, () => 0.999999), cap - 1, 'huge attempt numbers do not overflow');
  // With Math.random: always inside the window, and spread over it (not clustered at the top).
  const samples = Array.from({ length: 2000 }, () => fullJitter(3, base, cap));
  assert.ok(samples.every((d) => d >= 0 && d < 4000));
  assert.ok(samples.filter((d) => d < 1000).length > 300, 'a quarter of the delays fall in the first quarter of the window');
});

test('Backoff counts attempts, gives up after maxAttempts, skips ahead after 4008, and resets', () => {
  const b = new Backoff({ baseMs: 100, capMs: 1000, maxAttempts: 3, resetAfterMs: 0 }, () => 0.999999);
  assert.deepEqual([b.next(), b.next(), b.next(), b.next()], [99, 199, 399, undefined]);
  b.reset();
  b.atLeast(3);
  assert.equal(b.next(), undefined, 'at least 3 attempts used: none left');
  const c = new Backoff({ baseMs: 100, capMs: 1000, maxAttempts: Infinity, resetAfterMs: 0 }, () => 0.999999);
  c.atLeast(3);
  assert.equal(c.next(), 799, 'after "rate limited" the first wait comes from a window of base·2^3');
});

test('subscription keys: channel::stable JSON of params (any key order), or the channel id', () => {
  assert.equal(stableJson({ b: 1, a: { d: [1, { f: 2, e: 1 }], c: 'x' } }), '{"a":{"c":"x","d":[1,{"e":1,"f":2}]},"b":1}');
  assert.equal(subscriptionKey({ channel: 'CustomerChannel', params: { user_id: '123' } }), 'CustomerChannel::{"user_id":"123"}');
  assert.equal(subscriptionKey({ channel: 'C', params: { b: '2', a: '1' } }), subscriptionKey({ channel: 'C', params: { a: '1', b: '2' } }));
  assert.equal(subscriptionKey({ channelId: 'agent:x' }), 'agent:x');
});

test('since: per stream the older of the socket position and any holder floor; one epoch; no-history streams left out', () => {
  const streams = [
    { stream: 'a', epoch: 'E', offset: 10, history: true },
    { stream: 'b', epoch: 'E', offset: 3, history: true },
    { stream: 'tokens', epoch: 'E', offset: 0, history: false },
  ];
  const positions = new Map([
    ['a', { epoch: 'E', offset: 20 }],
    ['b', { epoch: 'E', offset: 5 }],
  ]);
  assert.deepEqual(sinceFrom(streams, positions, undefined), { epoch: 'E', streams: { a: 20, b: 5 } });
  assert.deepEqual(sinceFrom(streams, positions, new Map([['a', { epoch: 'E', offset: 12 }]])), { epoch: 'E', streams: { a: 12, b: 5 } });
  assert.deepEqual(sinceFrom(undefined, new Map(), new Map([['a', { epoch: 'E', offset: 7 }]])), { epoch: 'E', streams: { a: 7 } }, 'a new leader knows streams only from announcements');
  assert.equal(sinceFrom([{ stream: 'tokens', epoch: 'E', offset: 0, history: false }], new Map(), undefined), undefined, 'nothing to resume: plain subscribe');
});

function registry() {
  const calls: string[] = [];
  const errors: SubscriptionError[] = [];
  const got: number[] = [];
  const r = new Registry({ want: (k) => calls.push(`want ${k}`), drop: (k) => calls.push(`drop ${k}`) }, {});
  return { r, calls, errors, got };
}
const ev = (stream: string, offset: number, epoch = 'E'): EventFrame => ({ type: 'event', stream, epoch, offset, event: { event: 'x', payload: { offset } } });

test('registry: refcount per key (want once, drop once), unsubscribe is idempotent', () => {
  const { r, calls } = registry();
  const ref = { channel: 'C', params: { id: '1' } };
  const h = { onMessage: () => undefined };
  const u1 = r.add('C::{"id":"1"}', ref, h);
  const u2 = r.add('C::{"id":"1"}', ref, h); // the same handlers twice count twice
  assert.deepEqual(calls, ['want C::{"id":"1"}']);
  u1();
  u1();
  assert.deepEqual(calls, ['want C::{"id":"1"}'], 'a second call of one unsubscribe does not release the other subscriber');
  u2();
  assert.deepEqual(calls, ['want C::{"id":"1"}', 'drop C::{"id":"1"}']);
  assert.equal(r.size, 0);
});

test('registry: events at or before the delivered offset are dropped (replays, copies across leader changes), in order', () => {
  const { r, got, errors } = registry();
  r.add('k', { channelId: 'k' }, { onMessage: (_e, m) => got.push(m.offset!), onError: (e) => errors.push(e) });
  r.subscribed('k', { streams: [{ stream: 's', epoch: 'E', offset: 4, history: true }] });
  for (const o of [3, 4, 5, 6, 5, 6, 7, 2, 8]) r.event(['k'], ev('s', o));
  assert.deepEqual(got, [5, 6, 7, 8]);
  r.event(['k'], { type: 'event', stream: 's', event: { event: 'typing' } });
  assert.equal(got.length, 5, 'events without offset (ephemeral) are always delivered');
  r.event(['other'], ev('s', 9));
  assert.equal(got.length, 5, 'keys this tab does not hold are ignored');
  assert.deepEqual(errors, []);
});

test('registry: reset when a resume is not recovered and this tab stands before the new position, or the epoch changed', () => {
  const { r, got, errors } = registry();
  r.add('k', { channelId: 'k' }, { onMessage: (_e, m) => got.push(m.offset!), onError: (e) => errors.push(e) });
  r.subscribed('k', { streams: [{ stream: 's', epoch: 'E', offset: 4, history: true }] });
  r.event(['k'], ev('s', 5));
  r.subscribed('k', { streams: [{ stream: 's', epoch: 'E', offset: 5, history: true }], recovered: true });
  r.subscribed('k', { streams: [{ stream: 's', epoch: 'E', offset: 5, history: true }], recovered: false });
  assert.deepEqual(errors, [], 'recovered, or not recovered but nothing missed (already at the head)');
  r.subscribed('k', { streams: [{ stream: 's', epoch: 'E', offset: 9, history: true }], recovered: false });
  assert.deepEqual(errors, [{ type: 'reset', streams: ['s'], reason: 'not_recovered' }]);
  r.subscribed('k', { streams: [{ stream: 's', epoch: 'F', offset: 2, history: true }], recovered: false });
  assert.equal(errors.length, 2, 'another epoch: the old positions mean nothing');
  r.event(['k'], ev('s', 3, 'F'));
  assert.deepEqual(got, [5, 3], 'then live from the new epoch');
});

test('registry: a non-retryable rejection or a withdrawal drops the key; subscribing again starts over', () => {
  const { r, calls, errors } = registry();
  const u = r.add('k', { channelId: 'k' }, { onMessage: () => undefined, onError: (e) => errors.push(e) });
  r.keyError('k', { type: 'rejected', reason: 'authz_unavailable', message: '', retryable: true });
  assert.equal(r.size, 1, 'retryable: kept (the engine retries)');
  r.keyError('k', { type: 'rejected', reason: 'forbidden', message: 'no', retryable: false });
  assert.equal(r.size, 0);
  u();
  assert.deepEqual(calls, ['want k'], 'unsubscribing a dropped key sends nothing');
  r.add('k', { channelId: 'k' }, { onMessage: () => undefined });
  assert.deepEqual(calls, ['want k', 'want k']);
  assert.equal(errors.length, 2);
});
