import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { context, propagation, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { streamSubject } from '@herald/bus';
import { connectProducer } from '@herald/producer';
import { useLocalNats } from '../../../test/support/nats.js';

const fixture = useLocalNats();
let nc: NatsConnection;
before(async () => {
  nc = await fixture.connect();
});

function nextMessage(subject: string): Promise<Msg> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nothing on ${subject}`)), 5000);
    nc.subscribe(subject, {
      max: 1,
      callback: (_e, m) => {
        clearTimeout(timer);
        resolve(m);
      },
    });
  });
}

test('publish is acknowledged by JetStream, stored, republished live with its trace context', async () => {
  const producer = await connectProducer({ servers: fixture.nats.urls, name: 'test-producer' });
  try {
    const target = producer.channel('MissionChannel', { type: 'mission', id: 'm-1' });
    const live = nextMessage(streamSubject('herald.live', target.streams[0]!));
    await nc.flush();
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const result = await target.publish('mission_updated', { n: 1 }, { traceparent });
    assert.equal(result.streams.length, 1);
    assert.ok(result.streams[0]!.offset > 0, 'a JetStream sequence');
    const m = await live;
    assert.equal(m.headers?.get('traceparent'), traceparent);
    assert.equal(m.headers?.get('Nats-Sequence'), String(result.streams[0]!.offset));
    assert.match(m.string(), /"event":"mission_updated"/);
  } finally {
    await producer.close();
  }
});

test('without an explicit traceparent, the active OpenTelemetry span is carried', async () => {
  const manager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const producer = await connectProducer({ connection: nc });
  try {
    const live = nextMessage('herald.live.mission.m-otel');
    await nc.flush();
    const span = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED };
    await context.with(trace.setSpanContext(ROOT_CONTEXT, span), () => producer.publish({ streams: ['mission:m-otel'], event: 'x', payload: {} }));
    assert.equal((await live).headers?.get('traceparent'), '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
  } finally {
    await producer.close();
    propagation.disable();
    context.disable();
  }
});

test('a malformed traceparent is dropped, not forwarded', async () => {
  const producer = await connectProducer({ connection: nc });
  try {
    const live = nextMessage('herald.live.mission.m-2');
    await nc.flush();
    await producer.publish({ streams: ['mission:m-2'], event: 'x', payload: {}, traceparent: 'not-a-trace' });
    assert.equal((await live).headers?.get('traceparent') ?? '', '');
  } finally {
    await producer.close();
  }
  assert.equal(nc.isClosed(), false, 'a borrowed connection stays open');
});

test('setOwner writes the herald_owners KV bucket', async () => {
  const producer = await connectProducer({ connection: nc });
  try {
    await producer.setOwner('ai_conversation', 'c.42', 'acct-9');
    const kv = await new Kvm(nc).open('herald_owners');
    const entry = await kv.get('ai_conversation.c=2E42');
    assert.equal(entry?.string(), 'acct-9');
  } finally {
    await producer.close();
  }
});

test('connecting to a server that is not there fails instead of hanging', async () => {
  await assert.rejects(connectProducer({ servers: 'nats://127.0.0.1:1', name: 'nowhere' }));
});
