import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHeraldClient, HeraldError, type EventEnvelope, type EventMeta, type Status } from '@herald/client';
import { activeTimers, holdsFor, serverSubscriptions, sleep, SocketRecorder, useEdgeWithClients, waitFor } from './helpers.js';

const ACCOUNT = { channel: 'AiOrchestrationChannel', params: { type: 'account', id: 'acct-1' } } as const;
const STREAM = 'ai_orchestration:account:acct-1';

describe('@herald/client against a real edge: subscriptions and perform', () => {
  const fixture = useEdgeWithClients();
  const { clients, closedAll } = fixture;

  function client(recorder = new SocketRecorder(), extra: Partial<Parameters<typeof createHeraldClient>[0]> = {}) {
    const c = createHeraldClient({ url: `${fixture.edge.ws}/ws`, getToken: () => fixture.edge.token({}), WebSocket: recorder.WebSocket, ...extra });
    clients.push(c);
    return c;
  }

  test('lazy open; one socket; token in a bearer subprotocol entry, not the URL; ?inbox=manual', async () => {
    const rec = new SocketRecorder();
    const herald = client(rec);
    await sleep(50);
    assert.equal(herald.status, 'idle');
    assert.equal(rec.sockets.length, 0, 'no socket before the first subscribe');
    const got: EventEnvelope[] = [];
    const unsubscribe = herald.subscribe({ ...ACCOUNT, onMessage: (e) => got.push(e) });
    await waitFor('open', () => herald.status === 'open');
    assert.equal(rec.sockets.length, 1);
    const url = new URL(rec.last.url);
    assert.equal(url.pathname, '/ws');
    assert.equal(url.searchParams.get('inbox'), 'manual');
    assert.equal(url.searchParams.get('token'), null, 'the token stays out of the URL');
    assert.equal(rec.last.protocols[0], 'herald.v1.json');
    assert.match(rec.last.protocols[1]!, /^bearer\.[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.equal(rec.last.ws.protocol, 'herald.v1.json', 'the server selected the protocol, never the bearer entry');
    assert.deepEqual(rec.last.received.filter((f) => f['type'] === 'subscribed' && f['channel'] === 'Inbox'), [], 'no automatic inbox');
    await waitFor('subscribed', () => rec.last.received.some((f) => f['type'] === 'subscribed'));
    await fixture.edge.publish([STREAM], 'agent.created', { n: 1 });
    await waitFor('event', () => got.length === 1);
    assert.deepEqual([got[0]!.event, got[0]!.payload], ['agent.created', { n: 1 }]);
    unsubscribe();
    herald.disconnect();
    await closedAll();
  });

  test('refcount: two subscribers of one key share one server subscription; the last unsubscribe ends it', async () => {
    const rec = new SocketRecorder();
    const herald = client(rec);
    const a: number[] = [];
    const b: number[] = [];
    // Different key order, same key.
    const unA = herald.subscribe({ channel: 'AiOrchestrationChannel', params: { type: 'account', id: 'acct-1' }, onMessage: (_e, m) => a.push(m.offset!) });
    const unB = herald.subscribe({ channel: 'AiOrchestrationChannel', params: { id: 'acct-1', type: 'account' }, onMessage: (_e, m) => b.push(m.offset!) });
    await waitFor('subscribed', () => rec.sockets[0]?.received.some((f) => f['type'] === 'subscribed'));
    assert.equal(rec.sent('subscribe').length, 1, 'one subscribe frame for two subscribers');
    assert.equal(await serverSubscriptions(fixture.edge.http), 1);
    const { streams } = await fixture.edge.publish([STREAM], 'agent.updated', {});
    await waitFor('both got it', () => a.length === 1 && b.length === 1);
    assert.deepEqual([a, b], [[streams[0]!.offset], [streams[0]!.offset]]);

    unA();
    await sleep(100);
    assert.equal(rec.sent('unsubscribe').length, 0, 'one subscriber left: nothing sent');
    assert.equal(await serverSubscriptions(fixture.edge.http), 1);
    await fixture.edge.publish([STREAM], 'agent.updated', {});
    await waitFor('b still receives', () => b.length === 2);
    assert.equal(a.length, 1, 'an unsubscribed handler gets nothing more');

    unB();
    await waitFor('unsubscribe sent', () => rec.sent('unsubscribe').length === 1);
    assert.deepEqual(rec.sent('unsubscribe')[0], { type: 'unsubscribe', ...ACCOUNT });
    await waitFor('server subscription gone', async () => (await serverSubscriptions(fixture.edge.http)) === 0 || undefined);
    assert.equal(await serverSubscriptions(fixture.edge.http), 0);
    assert.equal(fixture.edge.server.connectionCount, 1, 'the socket stays open for the next subscription');
    herald.disconnect();
    await closedAll();
  });

  test('channelId subscriptions; subscribing while disconnected queues until the socket opens', async () => {
    const rec = new SocketRecorder();
    const herald = client(rec);
    const got: [EventEnvelope, EventMeta][] = [];
    herald.subscribe({ channelId: 'org:acct-1', onMessage: (e, m) => got.push([e, m]) });
    herald.subscribe({ ...ACCOUNT, onMessage: () => undefined }); // queued behind the first, same socket
    assert.equal(herald.status, 'connecting');
    await waitFor('both subscribed', () => rec.sockets[0]?.received.filter((f) => f['type'] === 'subscribed').length === 2);
    assert.equal(rec.sockets.length, 1);
    assert.deepEqual(rec.sent('subscribe').map((f) => f['channelId'] ?? f['channel']), ['org:acct-1', 'AiOrchestrationChannel']);
    const { streams } = await fixture.edge.publish(['org:acct-1'], 'org.updated', { name: 'Acme' });
    await waitFor('event', () => got.length === 1);
    assert.deepEqual(got[0]![1], { stream: 'org:acct-1', offset: streams[0]!.offset, epoch: streams[0]!.epoch, key: 'org:acct-1' });
    herald.disconnect();
    await closedAll();
  });

  test('Inbox subscribed by hand (?inbox=manual): two streams, both resumed per stream after a drop', async () => {
    const rec = new SocketRecorder();
    const herald = client(rec, { reconnect: { baseMs: 50 } });
    const got: string[] = [];
    herald.subscribe({ channel: 'Inbox', params: {}, onMessage: (e, m) => got.push(`${m.stream}:${(e.payload as { n: number }).n}`) });
    await waitFor('subscribed', () => rec.sockets[0]?.received.some((f) => f['type'] === 'subscribed'));
    const streams = ['inbox:user:u1', 'inbox:account:acct-1'];
    await fixture.edge.publish([streams[0]!], 'notification.created', { n: 1 });
    await fixture.edge.publish([streams[1]!], 'notification.created', { n: 2 });
    await waitFor('two', () => got.length === 2);
    for (const s of fixture.edge.server.sessions()) s.close(4009, 'too_slow'); // no disconnect frame, no hint
    await fixture.edge.publish([streams[0]!], 'notification.created', { n: 3 }); // published while the client is away
    await fixture.edge.publish([streams[1]!], 'notification.created', { n: 4 });
    await waitFor('resumed', () => got.length === 4 && rec.sockets.length === 2);
    assert.deepEqual(got, [`${streams[0]}:1`, `${streams[1]}:2`, `${streams[0]}:3`, `${streams[1]}:4`]);
    const since = rec.sockets[1]!.sent.find((f) => f['type'] === 'subscribe')!['since'];
    assert.deepEqual(Object.keys(since['streams']).sort(), [...streams].sort(), 'a position per stream');
  });

  test('a rejected subscription reaches onError and is dropped; the socket stays', async () => {
    const rec = new SocketRecorder();
    const herald = client(rec);
    const errors: unknown[] = [];
    herald.subscribe({ channel: 'CustomerChannel', params: { account_id: 'someone-else' }, onMessage: () => undefined, onError: (e) => errors.push(e) });
    herald.subscribe({ channel: 'NoSuchChannel', onMessage: () => undefined, onError: (e) => errors.push(e) });
    await waitFor('two rejections', () => errors.length === 2);
    assert.deepEqual(
      errors.map((e) => (e as { reason: string }).reason),
      ['forbidden', 'unknown_channel'],
    );
    assert.ok(errors.every((e) => (e as { type: string; retryable: boolean }).type === 'rejected' && !(e as { retryable: boolean }).retryable));
    assert.equal(herald.status, 'open');
    herald.disconnect();
    await closedAll();
  });

  test('perform resolves with reply.result, rejects with {code, message} on reply.error, times out', async () => {
    const conv = `conv-${process.pid}`;
    await fixture.edge.owners.setOwner('ai_conversation', conv, 'acct-1');
    const herald = client(new SocketRecorder(), { requestTimeoutMs: 400 });
    herald.subscribe({ channel: 'AiConversationChannel', params: { conversation_id: conv }, onMessage: () => undefined });
    // Sent before the socket is open: queued behind the subscribe, which the server handles first.
    const result = await herald.perform<{ status: string; message_id: string }>('AiConversationChannel', { conversation_id: conv }, 'send_message', { content: 'hi' });
    assert.equal(result.status, 'ai_response_queued');
    assert.equal(typeof result.message_id, 'string');

    const unknown = await herald.perform({ channel: 'AiConversationChannel', params: { conversation_id: conv } }, 'dance', {}).catch((e: unknown) => e);
    assert.ok(unknown instanceof HeraldError);
    assert.deepEqual([unknown.code, typeof unknown.message], ['unknown_action', 'string']);
    const notSubscribed = await herald.perform('AiConversationChannel', { conversation_id: 'other' }, 'send_message', { content: 'x' }).catch((e: HeraldError) => e);
    assert.equal((notSubscribed as HeraldError).code, 'not_subscribed');

    const off = fixture.edge.actions.handle('AiConversationChannel', 'send_message', () => new Promise((r) => setTimeout(() => r({ late: true }), 2500)));
    const started = Date.now();
    const slow = await herald.perform('AiConversationChannel', { conversation_id: conv }, 'send_message', { content: 'slow' }).catch((e: HeraldError) => e);
    off();
    assert.equal((slow as HeraldError).code, 'timeout');
    assert.ok(Date.now() - started < 2000, 'rejected at requestTimeoutMs, not when the late reply comes');
    await sleep(1500); // the late reply arrives and is ignored

    // In flight when the socket drops: it may or may not have run, so it fails rather than being re-sent.
    const offSlow = fixture.edge.actions.handle('AiConversationChannel', 'send_message', () => new Promise((r) => setTimeout(() => r({ late: true }), 300)));
    const inFlight = herald.perform('AiConversationChannel', { conversation_id: conv }, 'send_message', { content: 'cut' }).catch((e: HeraldError) => e);
    await sleep(50);
    for (const s of fixture.edge.server.sessions()) s.close(4009, 'too_slow');
    assert.equal(((await inFlight) as HeraldError).code, 'disconnected');
    offSlow();
    herald.disconnect();
    await closedAll();
  });

  test('disconnect(): socket closed, subscriptions and timers gone, pending performs rejected, no reconnect', async () => {
    const timersBefore = activeTimers();
    const rec = new SocketRecorder();
    const herald = client(rec);
    const statuses: Status[] = [];
    const subStatuses: Status[] = [];
    herald.onStatus((s) => statuses.push(s));
    herald.subscribe({ ...ACCOUNT, onMessage: () => undefined, onStatus: (s) => subStatuses.push(s) });
    await waitFor('open', () => herald.status === 'open');
    assert.ok(activeTimers() > timersBefore, 'heartbeat timers run while open');
    const off = fixture.edge.actions.handle('AiConversationChannel', 'send_message', () => new Promise(() => undefined));
    const pending = herald.perform('AiOrchestrationChannel', ACCOUNT.params, 'nothing', {}).catch((e: HeraldError) => e);
    herald.disconnect();
    off();
    assert.equal(herald.status, 'closed');
    assert.equal(((await pending) as HeraldError).code, 'closed');
    assert.deepEqual(statuses, ['connecting', 'open', 'closed']);
    assert.deepEqual(subStatuses, ['connecting', 'open', 'closed'], 'subscribers see the status too');
    await closedAll();
    // The edge counts the socket gone when the client's close frame arrives; the client's own close
    // event follows the edge's answer, a moment later (CI once read it before it came).
    await waitFor('the client sees its socket closed', () => rec.last.close !== undefined);
    assert.equal(rec.last.close?.code, 1000);
    await waitFor(() => `timers ${activeTimers()} (before: ${timersBefore})`, () => activeTimers() <= timersBefore, 3000);
    await holdsFor('no reconnect, no new subscription', () => rec.sockets.length === 1 && fixture.edge.server.connectionCount === 0, 600);
    const noop = herald.subscribe({ ...ACCOUNT, onMessage: () => undefined });
    noop();
    assert.equal(rec.sockets.length, 1, 'a closed client opens nothing');
    assert.equal(((await herald.perform('A', {}, 'b').catch((e: HeraldError) => e)) as HeraldError).code, 'closed');
  });
});
