import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEdge, type TestEdge } from '../support/edge.js';
import { TestClient } from '../support/client.js';

describe('client actions (perform → reply)', () => {
  let edge: TestEdge;
  const CONV = { channel: 'AiConversationChannel', params: { conversation_id: '42' } };
  before(async () => {
    edge = await startTestEdge();
    await edge.owners.setOwner('ai_conversation', '42', 'acct-1');
  });
  after(() => edge.stop());

  test('send_message is answered by the backend and its events stream to subscribers', async () => {
    const c = await TestClient.connect(edge.ws, { token: await edge.token({}) });
    await c.subscribe(CONV);
    c.send({ type: 'perform', ...CONV, action: 'send_message', data: { content: 'hello agent' }, id: 7 });
    const reply = await c.next((f) => f['type'] === 'reply' && f['id'] === 7);
    assert.equal(reply['result']['status'], 'ai_response_queued');
    const names = async (n: string) => c.next((f) => f['type'] === 'event' && f['event']['event'] === n, 5000);
    assert.equal((await names('message_created'))['event']['payload']['content'], 'hello agent');
    await names('ai_response_queued');
    await names('ai_response_streaming');
    const done = await names('ai_response_complete');
    assert.match(done['event']['payload']['content'], /hello agent/);
    c.close();
  });

  test('errors: not subscribed, unknown action, invalid data', async () => {
    const c = await TestClient.connect(edge.ws, { token: await edge.token({}) });
    c.send({ type: 'perform', ...CONV, action: 'send_message', data: { content: 'x' }, id: 1 });
    assert.equal((await c.next((f) => f['id'] === 1))['error']['code'], 'not_subscribed');
    await c.subscribe(CONV);
    c.send({ type: 'perform', ...CONV, action: 'launch_rockets', data: {}, id: 2 });
    assert.equal((await c.next((f) => f['id'] === 2))['error']['code'], 'unknown_action');
    c.send({ type: 'perform', ...CONV, action: 'send_message', data: { content: 5 }, id: 3 });
    const invalid = await c.next((f) => f['id'] === 3);
    assert.equal(invalid['error']['code'], 'invalid_data');
    assert.match(invalid['error']['message'], /content/);
    c.close();
  });

  test('typing_indicator is broadcast to the other subscribers, not back to the sender', async () => {
    const a = await TestClient.connect(edge.ws, { token: await edge.token({ sub: 'alice' }) });
    const b = await TestClient.connect(edge.ws, { token: await edge.token({ sub: 'bob' }) });
    await a.subscribe(CONV);
    await b.subscribe(CONV);
    a.send({ type: 'perform', ...CONV, action: 'typing_indicator', data: { status: 'typing' }, id: 'ti' });
    const reply = await a.next((f) => f['id'] === 'ti');
    assert.deepEqual(reply['result'], { delivered: 1 });
    const seen = await b.next((f) => f['type'] === 'event' && f['event']['event'] === 'typing_indicator');
    assert.deepEqual(seen['event']['payload'], { status: 'typing', user_id: 'alice' });
    assert.equal(seen['offset'], undefined, 'ephemeral: not stored');
    a.send({ type: 'ping', id: 'after' });
    await a.next((f) => f['id'] === 'after');
    assert.equal(a.events().filter((f) => f['event']['event'] === 'typing_indicator').length, 0);
    a.close();
    b.close();
  });
});
