import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refKey, stableJson, createStore } from '@herald/react';
import { splitArgs } from '../src/key.js';

test('stableJson sorts keys at every depth and drops undefined members', () => {
  assert.equal(stableJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: 'x' } }), '{"a":{"c":"x","d":[2,{"y":2,"z":1}]},"b":1}');
  assert.equal(stableJson({ a: undefined, b: 2 }), '{"b":2}');
  assert.equal(stableJson(null), 'null');
  assert.equal(stableJson(undefined), 'null');
});

test('refKey: the client key format, equal for params in any order', () => {
  assert.equal(refKey({ channel: 'AiOrchestrationChannel', params: { type: 'account', id: 'a' } }), 'AiOrchestrationChannel::{"id":"a","type":"account"}');
  assert.equal(refKey({ channel: 'X', params: { a: 1, b: '2' } }), refKey({ channel: 'X', params: { b: '2', a: 1 } }));
  assert.equal(refKey({ channel: 'X' }), 'X::{}');
  assert.equal(refKey({ channelId: 'agent:my-agent' }), 'agent:my-agent');
});

test('splitArgs: (channel, params, ...rest) and (ref | null, ...rest)', () => {
  const fn = () => undefined;
  assert.deepEqual(splitArgs(['C', { id: '1' }, fn, { enabled: false }]), [{ channel: 'C', params: { id: '1' } }, [fn, { enabled: false }]]);
  assert.deepEqual(splitArgs(['C', undefined, fn]), [{ channel: 'C', params: {} }, [fn]]);
  assert.deepEqual(splitArgs([{ channelId: 'agent:x' }, fn]), [{ channelId: 'agent:x' }, [fn]]);
  assert.deepEqual(splitArgs([null, fn]), [null, [fn]]);
  assert.deepEqual(splitArgs([undefined]), [null, []]);
});

test('store: set notifies only on a new value; unsubscribe stops notifications', () => {
  const store = createStore({ n: 0 });
  let calls = 0;
  const off = store.subscribe(() => calls++);
  const same = store.get();
  store.set(same);
  assert.equal(calls, 0);
  store.set({ n: 1 });
  assert.equal(calls, 1);
  assert.deepEqual(store.get(), { n: 1 });
  off();
  store.set({ n: 2 });
  assert.equal(calls, 1);
});

test('store: a listener that unsubscribes another during notification does not break the loop', () => {
  const store = createStore(0);
  const seen: string[] = [];
  let offB = (): void => undefined;
  store.subscribe(() => {
    seen.push('a');
    offB();
  });
  offB = store.subscribe(() => seen.push('b'));
  store.set(1);
  store.set(2);
  assert.deepEqual(seen, ['a', 'b', 'a']);
});
