import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEdge, type TestEdge } from '../support/edge.js';
import { TestClient } from '../support/client.js';

describe('subscriptions: catalog validation and every authorization rule kind over a real socket', () => {
  let edge: TestEdge;
  const clients: TestClient[] = [];
  const connect = async (claims: Parameters<TestEdge['token']>[0] = {}) => {
    const c = await TestClient.connect(edge.ws, { token: await edge.token(claims) });
    clients.push(c);
    return c;
  };
  before(async () => {
    edge = await startTestEdge();
    const own = (t: string, id: string, a: string) => edge.owners.setOwner(t, id, a);
    await own('ai_conversation', '42', 'acct-1');
    await own('ai_conversation', '43', 'acct-2');
    await own('devops_pipeline', 'p1', 'acct-1');
    await own('devops_pipeline', 'p2', 'acct-2');
    await own('ai_agent_execution', 'x1', 'acct-1');
    await own('agent', 'my-agent', 'acct-1');
  });
  after(async () => {
    clients.forEach((c) => c.close());
    await edge.stop();
  });

  test('owner rule: own resource allowed; another account’s or unknown resource forbidden', async () => {
    const c = await connect();
    const ok = await c.subscribe({ channel: 'AiConversationChannel', params: { conversation_id: 42 } });
    assert.equal(ok['type'], 'subscribed');
    assert.deepEqual(ok['streams'].map((s: { stream: string }) => s.stream), ['ai_conversation:42']);
    assert.equal(ok['key'], 'AiConversationChannel{"conversation_id":"42"}');
    for (const id of ['43', '999']) {
      const no = await c.subscribe({ channel: 'AiConversationChannel', params: { conversation_id: id } });
      assert.equal(no['type'], 'rejected');
      assert.equal(no['reason'], 'forbidden');
      assert.equal(no['retryable'], false);
    }
  });

  test('account param rule: own account allowed, other account forbidden', async () => {
    const c = await connect();
    assert.equal((await c.subscribe({ channel: 'NotificationChannel', params: { account_id: 'acct-1' } }))['type'], 'subscribed');
    assert.equal((await c.subscribe({ channel: 'NotificationChannel', params: { account_id: 'acct-2' } }))['reason'], 'forbidden');
  });

  test('permission rule: CustomerChannel needs admin.access', async () => {
    const user = await connect();
    assert.equal((await user.subscribe({ channel: 'CustomerChannel', params: { account_id: 'acct-9' } }))['reason'], 'forbidden');
    const admin = await connect({ permissions: ['admin.access'] });
    const ok = await admin.subscribe({ channel: 'CustomerChannel', params: { account_id: 'acct-9' } });
    assert.deepEqual(ok['streams'].map((s: { stream: string }) => s.stream), ['customer_updates_acct-9']);
  });

  test('identity kind rule: worker channels only for worker identities', async () => {
    const user = await connect();
    assert.equal((await user.subscribe({ channel: 'WorkerToolDispatchChannel' }))['reason'], 'forbidden');
    const worker = await connect({ sub: 'w-7', kind: 'worker' });
    const ok = await worker.subscribe({ channel: 'WorkerToolDispatchChannel' });
    assert.deepEqual(ok['streams'].map((s: { stream: string }) => s.stream), ['worker_tool_dispatch:w-7']);
  });

  test('params implied by the identity: AiWorkflowOrchestrationChannel takes the token’s account', async () => {
    const c = await connect({ account: 'acct-5' });
    const ok = await c.subscribe({ channel: 'AiWorkflowOrchestrationChannel' });
    assert.deepEqual(ok['streams'].map((s: { stream: string }) => s.stream), ['ai_workflow_orchestration:acct-5']);
    const other = await c.subscribe({ channel: 'AiWorkflowOrchestrationChannel', params: { account_id: 'acct-1' } });
    assert.equal(other['reason'], 'forbidden');
  });

  test('all-of with optional params: DevopsPipelineChannel account stream or owned pipeline stream', async () => {
    const c = await connect();
    const all = await c.subscribe({ channel: 'DevopsPipelineChannel', params: { account_id: 'acct-1' } });
    assert.deepEqual(all['streams'].map((s: { stream: string }) => s.stream), ['devops_account_acct-1']);
    const one = await c.subscribe({ channel: 'DevopsPipelineChannel', params: { account_id: 'acct-1', pipeline_id: 'p1' } });
    assert.deepEqual(one['streams'].map((s: { stream: string }) => s.stream), ['devops_pipeline_p1']);
    assert.equal((await c.subscribe({ channel: 'DevopsPipelineChannel', params: { account_id: 'acct-1', pipeline_id: 'p2' } }))['reason'], 'forbidden');
    assert.equal((await c.subscribe({ channel: 'DevopsPipelineChannel', params: { account_id: 'acct-2' } }))['reason'], 'forbidden');
  });

  test('any-of: global analytics for admins, account analytics for the account', async () => {
    const user = await connect();
    assert.equal((await user.subscribe({ channel: 'AnalyticsChannel' }))['reason'], 'forbidden');
    assert.equal((await user.subscribe({ channel: 'AnalyticsChannel', params: { account_id: 'acct-1' } }))['type'], 'subscribed');
    const admin = await connect({ permissions: ['admin.access'] });
    const global = await admin.subscribe({ channel: 'AnalyticsChannel' });
    assert.deepEqual(global['streams'].map((s: { stream: string }) => s.stream), ['analytics:global']);
  });

  test('switch on a param: AiOrchestrationChannel account vs system scope', async () => {
    const c = await connect();
    assert.equal((await c.subscribe({ channel: 'AiOrchestrationChannel', params: { type: 'account', id: 'acct-1' } }))['type'], 'subscribed');
    assert.equal((await c.subscribe({ channel: 'AiOrchestrationChannel', params: { type: 'system', id: 'all' } }))['reason'], 'forbidden');
  });

  test('one-of params: AiStreamingChannel takes exactly one id', async () => {
    const c = await connect();
    const ok = await c.subscribe({ channel: 'AiStreamingChannel', params: { execution_id: 'x1' } });
    assert.deepEqual(ok['streams'], [{ stream: 'ai_streaming:execution:x1', epoch: edge.bus.epoch(), offset: 0, history: false }]);
    const both = await c.subscribe({ channel: 'AiStreamingChannel', params: { execution_id: 'x1', conversation_id: '42' } });
    assert.equal(both['reason'], 'invalid_params');
    assert.match(both['message'], /exactly one of/);
  });

  test('unknown channels and bad params are rejected with the reason', async () => {
    const c = await connect();
    const unknown = await c.subscribe({ channel: 'NoSuchChannel', params: {} });
    assert.equal(unknown['reason'], 'unknown_channel');
    assert.equal(unknown['channel'], 'NoSuchChannel');
    const missing = await c.subscribe({ channel: 'AiConversationChannel', params: {} });
    assert.equal(missing['reason'], 'invalid_params');
    assert.match(missing['message'], /conversation_id/);
    const badEnum = await c.subscribe({ channel: 'MissionChannel', params: { type: 'planet', id: '1' } });
    assert.match(badEnum['message'], /must be one of mission, account/);
    const badChars = await c.subscribe({ channel: 'AiConversationChannel', params: { conversation_id: 'a b:c' } });
    assert.equal(badChars['reason'], 'invalid_params');
    const unknownId = await c.subscribe({ channelId: 'planet:x' });
    assert.equal(unknownId['reason'], 'unknown_channel');
  });

  test('channel ids: agent:<name> by channelId, echoed back', async () => {
    const c = await connect();
    const ok = await c.subscribe({ channelId: 'agent:my-agent' });
    assert.equal(ok['type'], 'subscribed');
    assert.equal(ok['channelId'], 'agent:my-agent');
    assert.equal((await c.subscribe({ channelId: 'agent:not-mine' }))['reason'], 'forbidden');
  });

  test('greeting on subscribe: NotificationChannel sends connection_established', async () => {
    const c = await connect();
    await c.subscribe({ channel: 'NotificationChannel', params: { account_id: 'acct-1' } });
    const greet = await c.next((f) => f['type'] === 'event' && f['event']['event'] === 'connection_established');
    assert.equal(greet['stream'], 'notifications:acct-1');
    assert.equal(greet['offset'], undefined, 'greetings are not stored events');
  });

  test('current state on subscribe: SubscriptionChannel sends the latest stored status', async () => {
    await edge.publish(['subscription:acct-1'], 'subscription.status_changed', { status: 'trialing' });
    const last = await edge.publish(['subscription:acct-1'], 'subscription.status_changed', { status: 'active' });
    const c = await connect();
    const sub = await c.subscribe({ channel: 'SubscriptionChannel', params: { account_id: 'acct-1' } });
    assert.equal(sub['type'], 'subscribed');
    const [snapshot] = await c.waitEvents(1, 'subscription:acct-1');
    assert.equal(snapshot!['offset'], last.streams[0]!.offset);
    assert.deepEqual(snapshot!['event']['payload'], { status: 'active' });
  });

  test('subscribing twice is idempotent; unsubscribe stops delivery', async () => {
    const c = await connect();
    await c.subscribe({ channel: 'MissionChannel', params: { type: 'account', id: 'acct-1' } });
    const again = await c.subscribe({ channel: 'MissionChannel', params: { type: 'account', id: 'acct-1' } });
    assert.equal(again['type'], 'subscribed');
    await edge.publish(['mission:account:acct-1'], 'status_changed', { n: 1 });
    await c.waitEvents(1, 'mission:account:acct-1');
    c.send({ type: 'unsubscribe', channel: 'MissionChannel', params: { type: 'account', id: 'acct-1' } });
    await c.type('unsubscribed');
    await edge.publish(['mission:account:acct-1'], 'status_changed', { n: 2 });
    c.send({ type: 'ping', id: 'p' });
    await c.next((f) => f['type'] === 'pong' && f['id'] === 'p');
    assert.equal(c.events('mission:account:acct-1').length, 1, 'one event only: no duplicate from the second subscribe, none after unsubscribe');
  });

  test('two subscriptions reading one stream: one frame per event, and the stream stays until the last one goes', async () => {
    // GitJobLogsChannel names a repository and a pipeline its stream does not: two subscriptions, one stream.
    await edge.owners.setOwner('git_job', 'j-shared', 'acct-1');
    const stream = 'git_job_logs:j-shared';
    const first = { channel: 'GitJobLogsChannel', params: { repository_id: 'r1', pipeline_id: 'p1', job_id: 'j-shared' } };
    const second = { channel: 'GitJobLogsChannel', params: { repository_id: 'r2', pipeline_id: 'p1', job_id: 'j-shared' } };
    const c = await connect();
    await c.subscribe(first);
    await c.subscribe(second);
    await edge.publish([stream], 'log.chunk', { n: 1 });
    await c.waitEvents(1, stream);
    const unsubscribed = (repository: string) => c.next((f) => f['type'] === 'unsubscribed' && (f['params'] as { repository_id?: string } | undefined)?.repository_id === repository);
    c.send({ type: 'unsubscribe', ...first });
    await unsubscribed('r1');
    await edge.publish([stream], 'log.chunk', { n: 2 });
    await c.waitEvents(2, stream);
    c.send({ type: 'unsubscribe', ...second });
    await unsubscribed('r2');
    await edge.publish([stream], 'log.chunk', { n: 3 });
    c.send({ type: 'ping', id: 'after-both' });
    await c.next((f) => f['type'] === 'pong' && f['id'] === 'after-both');
    assert.equal(c.events(stream).length, 2, 'event 1 once (not once per subscription), event 2 through the remaining one, none after both left');
  });

  test('a connection closing with two subscriptions on one stream releases it once: another reader keeps it past the linger', async () => {
    await edge.owners.setOwner('git_job', 'j-close', 'acct-1');
    const stream = 'git_job_logs:j-close';
    const sub = (repository: string) => ({ channel: 'GitJobLogsChannel', params: { repository_id: repository, pipeline_id: 'p1', job_id: 'j-close' } });
    const leaving = await connect();
    await leaving.subscribe(sub('r1'));
    await leaving.subscribe(sub('r2'));
    const staying = await connect();
    await staying.subscribe(sub('r1'));
    const before = edge.server.connectionCount;
    leaving.close();
    await leaving.closed;
    while (edge.server.connectionCount >= before) await new Promise((r) => setTimeout(r, 20));
    // Released twice, the stream's count would reach 0 and the hub would drop it after its 5 s linger.
    await new Promise((r) => setTimeout(r, 5500));
    await edge.publish([stream], 'log.chunk', { n: 1 });
    await staying.waitEvents(1, stream);
  });
});

describe('personal inboxes (embedded)', () => {
  test('the Inbox is subscribed on connect; ?inbox=manual leaves it to the client, who can resume it', async () => {
    const edge = await startTestEdge();
    try {
      const auto = await TestClient.connect(edge.ws, { token: await edge.token({ sub: 'in-1', account: 'acct-in' }) });
      const sub = await auto.next((f) => f['type'] === 'subscribed' && f['channel'] === 'Inbox');
      assert.deepEqual(sub['streams'].map((s: { stream: string }) => s.stream), ['inbox:user:in-1', 'inbox:account:acct-in']);
      const first = await edge.publish(['inbox:user:in-1'], 'notice', { n: 1 });
      await auto.waitEvents(1, 'inbox:user:in-1');
      auto.close();
      await edge.publish(['inbox:user:in-1'], 'notice', { n: 2 });
      const manual = await TestClient.connect(edge.ws, { token: await edge.token({ sub: 'in-1', account: 'acct-in' }), path: '/ws?inbox=manual' });
      await manual.type('welcome');
      const resumed = await manual.subscribe({ channel: 'Inbox', params: {}, since: { epoch: first.streams[0]!.epoch, streams: { 'inbox:user:in-1': first.streams[0]!.offset } } });
      assert.equal(resumed['recovered'], true);
      const [missed] = await manual.waitEvents(1, 'inbox:user:in-1');
      assert.equal(missed!['event']['payload']['n'], 2);
      assert.equal(manual.frames.filter((f) => f['type'] === 'subscribed').length, 1, 'no automatic Inbox subscription');
      manual.close();
    } finally {
      await edge.stop();
    }
  });
});

describe('access changes (embedded)', () => {
  test('moving a resource to another account takes the subscription away; other subscriptions stay', async () => {
    const edge = await startTestEdge();
    try {
      await edge.owners.setOwner('ai_conversation', 'c-move', 'acct-1');
      const c = await TestClient.connect(edge.ws, { token: await edge.token({ account: 'acct-1' }) });
      assert.equal((await c.subscribe({ channel: 'AiConversationChannel', params: { conversation_id: 'c-move' } }))['type'], 'subscribed');
      assert.equal((await c.subscribe({ channel: 'NotificationChannel', params: { account_id: 'acct-1' } }))['type'], 'subscribed');
      await edge.owners.setOwner('ai_conversation', 'c-move', 'acct-2');
      const lost = await c.next((f) => f['type'] === 'unsubscribed');
      assert.deepEqual([lost['channel'], lost['reason']], ['AiConversationChannel', 'forbidden']);
      await edge.publish(['notifications:acct-1'], 'still_here', {});
      await c.next((f) => f['type'] === 'event' && f['event']['event'] === 'still_here');
      assert.equal(c.frames.filter((f) => f['type'] === 'unsubscribed').length, 1);
      c.close();
    } finally {
      await edge.stop();
    }
  });
});
