import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { streamSubject } from '@herald/bus';
import { connectProducer } from '@herald/producer';
import { connect, type Msg } from '@nats-io/transport-node';
import { API_KEY } from '../support/edge.js';
import { TestClient } from '../support/client.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';

describe('cluster: delivery across pods', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startTestCluster({ edges: 2, authz: 1 });
  });
  after(async () => {
    await cluster?.stop();
  });

  test('a socket on edge A receives, in order, events published through edge B and through the producer SDK', async () => {
    const [a, b] = cluster.edges as [typeof cluster.edges[0], typeof cluster.edges[0]];
    const client = await TestClient.connect(a.ws, { token: await cluster.token({ account: 'acct-1' }) });
    const sub = await client.subscribe({ channel: 'MissionChannel', params: { type: 'account', id: 'acct-1' } });
    assert.equal(sub['type'], 'subscribed', JSON.stringify(sub));
    const stream = 'mission:account:acct-1';
    const producer = await connectProducer({ servers: cluster.nats.urls, name: 'test' });
    const offsets: number[] = [];
    for (let i = 0; i < 100; i++) {
      const r = i % 2 === 0 ? await cluster.publish(b, [stream], 'mission_updated', { i }) : await producer.publish({ streams: [stream], event: 'mission_updated', payload: { i } });
      offsets.push(r.streams[0]!.offset);
    }
    const events = await client.waitEvents(100, stream, 10_000);
    assert.deepEqual(
      events.map((e) => e['event']['payload']['i']),
      Array.from({ length: 100 }, (_, i) => i),
      'every event, in publish order',
    );
    assert.deepEqual(events.map((e) => e['offset']), offsets, 'offsets are the JetStream acks');
    await producer.close();
    client.close();
  });

  test('a client resumes on the other pod from its offset: exactly the missed events', async () => {
    const [a, b] = cluster.edges as [typeof cluster.edges[0], typeof cluster.edges[0]];
    const token = await cluster.token({ account: 'acct-1' });
    const stream = 'mission:account:acct-1';
    const first = await TestClient.connect(a.ws, { token });
    await first.subscribe({ channel: 'MissionChannel', params: { type: 'account', id: 'acct-1' } });
    const seen = await cluster.publish(b, [stream], 'mission_updated', { n: 'seen' });
    const [ev] = await first.waitEvents(1, stream);
    first.close();
    await first.closed;
    for (const n of ['m1', 'm2', 'm3']) await cluster.publish(a, [stream], 'mission_updated', { n });
    const second = await TestClient.connect(b.ws, { token });
    const res = await second.subscribe({ channel: 'MissionChannel', params: { type: 'account', id: 'acct-1' }, since: { epoch: ev!['epoch'] ?? seen.streams[0]!.epoch, offset: ev!['offset'] } });
    assert.equal(res['recovered'], true, JSON.stringify(res));
    const got = await second.waitEvents(3, stream);
    assert.deepEqual(got.map((e) => e['event']['payload']['n']), ['m1', 'm2', 'm3']);
    second.close();
  });

  test("POST /v1/publish carries the request's trace context into the event's NATS headers", async () => {
    const [a] = cluster.edges as [typeof cluster.edges[0]];
    const nc = await connect({ servers: cluster.nats.urls.split(',') });
    try {
      const got = new Promise<Msg>((resolve) => nc.subscribe(streamSubject('herald.live', 'mission:m-trace'), { max: 1, callback: (_e, m) => resolve(m) }));
      await nc.flush();
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      const res = await fetch(`${a.http}/v1/publish`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', traceparent, tracestate: 'vendor=1' },
        body: JSON.stringify({ streams: ['mission:m-trace'], event: 'x', payload: {} }),
      });
      assert.equal(res.status, 200);
      const m = await got;
      assert.equal(m.headers?.get('traceparent'), traceparent);
      assert.equal(m.headers?.get('tracestate'), 'vendor=1');
    } finally {
      await nc.close();
    }
  });

  test('snapshot-on-subscribe comes from JetStream on any pod', async () => {
    const [a, b] = cluster.edges as [typeof cluster.edges[0], typeof cluster.edges[0]];
    await cluster.publish(a, ['subscription:acct-1'], 'subscription_updated', { plan: 'pro' });
    const client = await TestClient.connect(b.ws, { token: await cluster.token({ account: 'acct-1' }) });
    const res = await client.subscribe({ channel: 'SubscriptionChannel', params: { account_id: 'acct-1' } });
    assert.equal(res['type'], 'subscribed', JSON.stringify(res));
    const [snap] = await client.waitEvents(1, res['streams'][0]['stream']);
    assert.equal(snap!['event']['payload']['plan'], 'pro');
    client.close();
  });

  test('personal inboxes: a service pushes to one user and to every socket of an account, on every pod', async () => {
    const [a, b] = cluster.edges as [typeof cluster.edges[0], typeof cluster.edges[0]];
    const u1 = await TestClient.connect(a.ws, { token: await cluster.token({ sub: 'inbox-u1', account: 'acct-in' }) });
    const u2 = await TestClient.connect(b.ws, { token: await cluster.token({ sub: 'inbox-u2', account: 'acct-in' }) });
    await u1.next((f) => f['type'] === 'subscribed' && f['channel'] === 'Inbox');
    await u2.next((f) => f['type'] === 'subscribed' && f['channel'] === 'Inbox');
    await cluster.publish(a, ['inbox:user:inbox-u1'], 'notice', { to: 'u1' });
    await cluster.publish(b, ['inbox:account:acct-in'], 'notice', { to: 'account' });
    const e1 = await u1.waitEvents(2);
    const e2 = await u2.waitEvents(1);
    assert.deepEqual(e1.map((e) => e['event']['payload']['to']).sort(), ['account', 'u1']);
    assert.deepEqual(e2.map((e) => e['event']['payload']['to']), ['account']);
    u1.close();
    u2.close();
  });

  test('an edge that warms up on NATS before it listens delivers to its first client, and counts only it', async () => {
    const edge = await cluster.startEdge({ HERALD_WARMUP_CONNECTS: '200', HERALD_LOG_LEVEL: 'info' });
    const warmed = edge.logLines().filter((line) => line['msg'] === 'warmed up' || String(line['msg']).startsWith('warm-up stopped'));
    assert.equal(warmed.length, 1, edge.output.join(''));
    assert.equal(warmed[0]!['connects'], 200);

    const client = await TestClient.connect(edge.ws, { token: await cluster.token({ account: 'acct-1' }) });
    const sub = await client.subscribe({ channel: 'MissionChannel', params: { type: 'account', id: 'acct-1' } });
    assert.equal(sub['type'], 'subscribed', JSON.stringify(sub));
    const { streams } = await cluster.publish(edge, ['mission:account:acct-1'], 'mission_updated', { i: 1 });
    const [event] = await client.waitEvents(1, 'mission:account:acct-1', 10_000);
    assert.equal(event?.['offset'], streams[0]!.offset);
    const metrics = await (await fetch(`${edge.http}/metrics`)).text();
    assert.match(metrics, /^herald_connections\{dialect="native"\} 1$/m, 'the warm-up is not counted');
    client.close();
  });
});
