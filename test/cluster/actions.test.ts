import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectProducer } from '@herald/producer';
import { TestClient, type Frame } from '../support/client.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';

describe('cluster: client actions over NATS request/reply', () => {
  let cluster: TestCluster;
  const CONV = { channel: 'AiConversationChannel', params: { conversation_id: 'conv-cluster-1' } };
  const STREAM = 'ai_conversation:conv-cluster-1';
  before(async () => {
    cluster = await startTestCluster({ edges: 2, authz: 1, producers: true });
    const producer = await connectProducer({ servers: cluster.nats.urls, name: 'test-owner' });
    try {
      await producer.setOwner('ai_conversation', 'conv-cluster-1', 'acct-1');
    } finally {
      await producer.close();
    }
  });
  after(async () => {
    await cluster?.stop();
  });

  const eventNames = (c: TestClient): string[] => c.events(STREAM).map((f) => f['event']['event'] as string);
  const complete = (c: TestClient): Promise<Frame> => c.next((f) => f['type'] === 'event' && f['event']['event'] === 'ai_response_complete', 15_000);

  test('send_message on edge 1 is answered by `herald producers`; its events reach subscribers on both edges', async () => {
    const [e1, e2] = cluster.edges as [(typeof cluster.edges)[0], (typeof cluster.edges)[0]];
    const alice = await TestClient.connect(e1.ws, { token: await cluster.token({ sub: 'alice', account: 'acct-1' }) });
    const bob = await TestClient.connect(e2.ws, { token: await cluster.token({ sub: 'bob', account: 'acct-1' }) });
    for (const c of [alice, bob]) {
      const sub = await c.subscribe(CONV);
      assert.equal(sub['type'], 'subscribed', JSON.stringify(sub));
    }

    alice.send({ type: 'perform', ...CONV, action: 'send_message', data: { content: 'hi' }, id: 1 });
    const reply = await alice.next((f) => f['type'] === 'reply' && f['id'] === 1);
    assert.equal(reply['error'], undefined, JSON.stringify(reply));
    assert.equal(reply['result']['status'], 'ai_response_queued');
    assert.equal(typeof reply['result']['message_id'], 'string');
    assert.equal(typeof reply['result']['response_id'], 'string');

    const [done] = await Promise.all([complete(alice), complete(bob)]);
    assert.match(done!['event']['payload']['content'], /hi/);

    const names = eventNames(alice);
    assert.equal(names[0], 'message_created');
    assert.equal(names[1], 'ai_response_queued');
    assert.equal(names.at(-1), 'ai_response_complete');
    const chunks = names.filter((n) => n === 'ai_response_streaming').length;
    assert.ok(chunks >= 3, `several streamed chunks (${chunks})`);
    assert.equal(chunks, names.length - 3, 'only streamed chunks between queued and complete');

    const created = alice.events(STREAM)[0]!;
    assert.equal(created['event']['payload']['content'], 'hi');
    assert.equal(created['event']['payload']['user_id'], 'alice', 'the identity reached the backend');
    assert.equal(created['event']['resource_id'], reply['result']['message_id']);
    assert.equal(alice.events(STREAM)[1]!['event']['resource_id'], reply['result']['response_id']);

    assert.deepEqual(eventNames(bob), names, 'the other edge delivers the same events');
    assert.deepEqual(bob.events(STREAM).map((f) => f['offset']), alice.events(STREAM).map((f) => f['offset']), 'at the same offsets');
    alice.close();
    bob.close();
  });

  test('with the producers process stopped, perform is answered no_handler', async () => {
    await Promise.all(cluster.producers.map((p) => p.stop()));
    for (const p of cluster.producers) assert.equal(await p.exited, 0, `clean shutdown:\n${p.output.join('')}`);
    const [, e2] = cluster.edges as [(typeof cluster.edges)[0], (typeof cluster.edges)[0]];
    const c = await TestClient.connect(e2.ws, { token: await cluster.token({ account: 'acct-1' }) });
    await c.subscribe(CONV);
    c.send({ type: 'perform', ...CONV, action: 'send_message', data: { content: 'anyone?' }, id: 2 });
    const reply = await c.next((f) => f['type'] === 'reply' && f['id'] === 2);
    assert.equal(reply['error']['code'], 'no_handler', JSON.stringify(reply));
    assert.match(reply['error']['message'], /AiConversationChannel\.send_message/);
    c.close();
  });
});
