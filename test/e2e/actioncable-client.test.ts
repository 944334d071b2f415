import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { API_KEY, startTestEdge, type TestEdge } from '../support/edge.js';
import { CableClient, holdsFor, startRestartableTestEdge, startTestEdgeOn, waitFor, type TrackedSubscription } from '../support/actioncable.js';
import type { Frame } from '../support/client.js';

/**
 * The official `@rails/actioncable` 8.x client — the code Rails frontends ship — in Node 20 against
 * a real embedded edge. The raw protocol is covered by the dialect suite; this proves the client
 * itself is satisfied: its callbacks fire as a Rails server would make them fire, and its own
 * reconnect logic does the right thing for each way Herald ends a connection.
 * See test/support/actioncable.ts for what Node needs in place of a browser.
 */

let seq = 0;
const uid = (prefix: string) => `${prefix}-${process.pid}-${++seq}`;
/** The client's ConnectionMonitor staleThreshold is 6 s: watch longer than that for a reconnect that must not happen. */
const NO_RECONNECT_WINDOW_MS = 8000;

/** Publish with resource fields (the shape producers use), so the full envelope can be compared. */
async function publish(edge: TestEdge, stream: string, event: string, payload: unknown, resource: { type: string; id: string }): Promise<void> {
  const res = await fetch(`${edge.http}/v1/publish`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ streams: [stream], event, resource_type: resource.type, resource_id: resource.id, payload }),
  });
  assert.equal(res.status, 200, await res.text());
}

/** Close every client (consumer.disconnect()) and stop every edge a test started, whatever happened. */
function cleanup(): { clients: CableClient[]; edges: TestEdge[]; run(): Promise<void> } {
  const clients: CableClient[] = [];
  const edges: TestEdge[] = [];
  return {
    clients,
    edges,
    async run() {
      await Promise.allSettled(clients.splice(0).map((c) => c.close()));
      await Promise.allSettled(edges.splice(0).map((e) => e.stop()));
    },
  };
}

const isIso = (s: unknown) => typeof s === 'string' && !Number.isNaN(Date.parse(s)) && new Date(s).toISOString() === s;
const events = (sub: TrackedSubscription) => sub.received.filter((m) => typeof m['event'] === 'string');

describe('official @rails/actioncable client in Node: subscriptions, events, actions', () => {
  let edge: TestEdge;
  const c = cleanup();
  before(async () => {
    edge = await startTestEdge();
    c.edges.push(edge);
  });
  after(() => c.run());

  const open = async (token?: string) => {
    const currentToken = token ?? (await edge.token({}));
    const client = new CableClient(() => `${edge.ws}/cable?token=${currentToken}`);
    c.clients.push(client);
    return client;
  };
  const conversation = async (account = 'acct-1') => {
    const id = uid('conv');
    await edge.owners.setOwner('ai_conversation', id, account);
    return id;
  };

  test('a: connects, subscribes to both AI channels, connected once each, envelopes arrive in received in order', async () => {
    const conv = await conversation();
    const client = await open();
    const convSub = client.subscribe({ channel: 'AiConversationChannel', conversation_id: conv });
    const orchSub = client.subscribe({ channel: 'AiOrchestrationChannel', type: 'account', id: 'acct-1' });
    await waitFor('both subscriptions connected', () => convSub.connected.length === 1 && orchSub.connected.length === 1);
    assert.equal(client.consumer.connection.getProtocol(), 'actioncable-v1-json');
    assert.deepEqual(convSub.connected, [{ reconnected: false }]);
    assert.equal(client.received[0]!['type'], 'welcome');

    // Interleaved on the two streams; each subscription sees its own, in publish order.
    for (let i = 1; i <= 3; i++) {
      await publish(edge, `ai_conversation:${conv}`, 'message_created', { seq: i, content: `m${i}` }, { type: 'ai_message', id: `msg-${i}` });
      await publish(edge, 'ai_orchestration:account:acct-1', 'agent.spawned', { seq: i }, { type: 'agent', id: `agent-${i}` });
    }
    await waitFor(() => `3 events each; got ${convSub.received.length} and ${orchSub.received.length}`, () => convSub.received.length >= 3 && orchSub.received.length >= 3);
    for (const m of [...convSub.received, ...orchSub.received]) {
      assert.deepEqual(Object.keys(m), ['event', 'resource_type', 'resource_id', 'payload', 'timestamp'], 'received gets the envelope object itself');
      assert.ok(isIso(m['timestamp']), `timestamp ${m['timestamp']}`);
    }
    assert.deepEqual(
      convSub.received.map(({ timestamp: _t, ...rest }) => rest),
      [1, 2, 3].map((i) => ({ event: 'message_created', resource_type: 'ai_message', resource_id: `msg-${i}`, payload: { seq: i, content: `m${i}` } })),
    );
    assert.deepEqual(
      orchSub.received.map(({ timestamp: _t, ...rest }) => rest),
      [1, 2, 3].map((i) => ({ event: 'agent.spawned', resource_type: 'agent', resource_id: `agent-${i}`, payload: { seq: i } })),
    );

    // One confirmation per subscription even if the SubscriptionGuarantor re-sent subscribe (every 500 ms until confirmed).
    for (const sub of [convSub, orchSub]) {
      assert.equal(client.received.filter((f) => f['type'] === 'confirm_subscription' && f['identifier'] === sub.identifier).length, 1);
      assert.equal(sub.connected.length, 1, 'connected fired once');
      assert.deepEqual([sub.rejected, sub.disconnected.length], [0, 0]);
    }
    assert.equal(edge.server.connectionCount, 1, 'one socket for both subscriptions');
    assert.equal(client.urlCalls, 1);
  });

  test('b: perform send_message → the queued answer in received, then the reply streamed to ai_response_complete', async () => {
    const conv = await conversation();
    const client = await open();
    const sub = client.subscribe({ channel: 'AiConversationChannel', conversation_id: conv });
    await waitFor('connected', () => sub.connected.length === 1);

    assert.equal(sub.subscription.perform('send_message', { content: 'hi' }), true, 'the client sent it on an open socket');
    assert.deepEqual(client.sent('message'), [{ command: 'message', identifier: sub.identifier, data: '{"content":"hi","action":"send_message"}' }]);
    await client.waitReceived(sub, (m) => m['event'] === 'ai_response_complete', 'ai_response_complete', 15_000);

    // The action's result, transmitted on the subscription as Rails' `transmit` would.
    const statusAt = sub.received.findIndex((m) => m['status'] === 'ai_response_queued');
    assert.ok(statusAt >= 0, `no status message in ${JSON.stringify(sub.received)}`);
    const status = sub.received[statusAt]!;
    assert.equal(typeof status['message_id'], 'string');
    assert.equal(typeof status['response_id'], 'string');
    // (The backend publishes message_created and ai_response_queued before it answers, so those two
    // may precede the status message; the streamed reply only starts afterwards.)
    assert.ok(statusAt < sub.received.findIndex((m) => m['event'] === 'ai_response_complete'));

    const evs = events(sub);
    const names = evs.map((m) => m['event'] as string);
    assert.match(names.join(' '), /^message_created ai_response_queued (ai_response_streaming ){2,}ai_response_complete$/, names.join(' '));
    const [created, queued] = evs as [Frame, Frame];
    assert.deepEqual([created['resource_id'], created['payload']['content'], created['payload']['user_id']], [status['message_id'], 'hi', 'u1']);
    assert.equal(queued['payload']['message_id'], status['response_id']);
    const chunks = evs.filter((m) => m['event'] === 'ai_response_streaming');
    assert.deepEqual(
      chunks.map((m) => m['payload']['index']),
      chunks.map((_, i) => i),
      'chunks in order',
    );
    const complete = evs[evs.length - 1]!;
    assert.equal(complete['payload']['content'], chunks.map((m) => m['payload']['chunk']).join(''), 'the streamed chunks add up to the final reply');
    assert.match(complete['payload']['content'], /hi/);
  });

  test('c: a forbidden conversation and an unknown channel → rejected once, never connected, not re-subscribed; the socket lives on', async () => {
    const theirs = await conversation('acct-other');
    const mine = await conversation();
    const client = await open();
    const forbidden = client.subscribe({ channel: 'AiConversationChannel', conversation_id: theirs });
    const otherAccount = client.subscribe({ channel: 'AiOrchestrationChannel', type: 'account', id: 'acct-other' });
    const unknown = client.subscribe({ channel: 'NoSuchChannel' });
    const ok = client.subscribe({ channel: 'AiConversationChannel', conversation_id: mine });
    const refused = [forbidden, otherAccount, unknown];
    await waitFor('three rejections and one confirmation', () => refused.every((s) => s.rejected === 1) && ok.connected.length === 1);
    for (const s of refused) {
      assert.equal(client.received.filter((f) => f['type'] === 'reject_subscription' && f['identifier'] === s.identifier).length >= 1, true);
      assert.equal(client.consumer.subscriptions.findAll(s.identifier).length, 0, 'the client forgot the rejected subscription');
    }
    // The guarantor retries unconfirmed subscriptions every 500 ms: watch three periods for a retry of a rejected one.
    const sentBefore = refused.map((s) => client.sent('subscribe', s.identifier).length);
    await holdsFor(
      () => `rejected once, never connected, no further subscribe: ${JSON.stringify(refused.map((s) => [s.rejected, s.connected.length, client.sent('subscribe', s.identifier).length]))}`,
      () => refused.every((s, i) => s.rejected === 1 && s.connected.length === 0 && client.sent('subscribe', s.identifier).length === sentBefore[i]),
      1600,
    );
    // Rejections are per subscription: the connection and the accepted subscription still work.
    await publish(edge, `ai_conversation:${mine}`, 'message_created', { content: 'still here' }, { type: 'ai_message', id: 'm-ok' });
    await client.waitReceived(ok, (m) => m['payload']?.['content'] === 'still here', 'event on the accepted subscription');
    assert.equal(client.consumer.connection.isOpen(), true);
    assert.equal(client.sockets.length, 1);
  });
});

describe('official @rails/actioncable client in Node: how the server ends a connection', { concurrency: true }, () => {
  test('d: revocation → disconnect unauthorized, reconnect false: disconnected fires and the client never comes back', async () => {
    const c = cleanup();
    try {
      const edge = await startTestEdge();
      c.edges.push(edge);
      const sub = uid('revoked');
      const currentToken = await edge.token({ sub });
      const client = new CableClient(() => `${edge.ws}/cable?token=${currentToken}`);
      c.clients.push(client);
      const orch = client.subscribe({ channel: 'AiOrchestrationChannel', type: 'account', id: 'acct-1' });
      await waitFor('connected', () => orch.connected.length === 1);
      assert.equal(edge.server.connectionCount, 1);

      const res = await fetch(`${edge.http}/v1/admin/revoke`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'user', value: sub, reason: 'test' }),
      });
      assert.equal(res.status, 200, await res.text());
      await waitFor('disconnected', () => orch.disconnected.length === 1);
      assert.deepEqual(orch.disconnected, [{ willAttemptReconnect: false }]);
      assert.deepEqual(client.received.filter((f) => f['type'] === 'disconnect'), [{ type: 'disconnect', reason: 'unauthorized', reconnect: false }]);
      await waitFor('close', () => client.current!.close);
      assert.equal(client.current!.close!.code, 4003);
      await waitFor('the edge to drop the socket', () => edge.server.connectionCount === 0);
      // reconnect:false made the client stop its ConnectionMonitor, the only thing that ever reopens a socket.
      assert.ok(!client.consumer.connection.monitor.isRunning(), 'the monitor is stopped');
      await holdsFor(
        () => `no reconnect: connections ${edge.server.connectionCount}, url calls ${client.urlCalls}, sockets ${client.sockets.length}`,
        () => edge.server.connectionCount === 0 && client.urlCalls === 1 && client.sockets.length === 1,
        NO_RECONNECT_WINDOW_MS,
      );
      assert.deepEqual([orch.disconnected.length, orch.connected.length], [1, 1]);
    } finally {
      await c.run();
    }
  });

  /*
   * What the client does when a server restarts (and why it takes a while):
   * - Herald's shutdown sends {"type":"disconnect","reason":"server_restart","reconnect":true} and
   *   closes with 4010. On reconnect:true the client only closes its socket and keeps its
   *   ConnectionMonitor running; `disconnected` fires with willAttemptReconnect: true. It does NOT
   *   reopen at once (Rails' client leaves that to the monitor to avoid a thundering herd).
   * - The monitor polls every staleThreshold × (1 + jitter) = 6–12 s (× 1.15^attempts later on) and
   *   reopens only when nothing was received for more than staleThreshold (6 s; Herald's 3 s pings
   *   keep a live connection fresh) and the disconnect is more than 6 s old. So the first reopen comes
   *   6–18 s after the restart, and if the server is still down then, later polls retry with backoff.
   * - On reopen it calls the URL function again (a fresh token here), and on `welcome` it re-sends
   *   `subscribe` for every subscription it holds (subscriptions.reload()); each confirmation fires
   *   `connected` again — the first one after a reconnect with {reconnected: true}, the others false.
   */
  test('e: restart on the same port → disconnect server_restart, reconnect true: the client reconnects by itself, re-subscribes, gets new events', async (t) => {
    const c = cleanup();
    try {
      const edgeA = await startRestartableTestEdge(); // an explicit port, so a new edge can bind it again right away
      c.edges.push(edgeA);
      const port = edgeA.port;
      const conv = uid('conv');
      await edgeA.owners.setOwner('ai_conversation', conv, 'acct-1');
      let currentToken = await edgeA.token({});
      const firstToken = currentToken;
      const client = new CableClient(() => `${edgeA.ws}/cable?token=${currentToken}`);
      c.clients.push(client);
      const convSub = client.subscribe({ channel: 'AiConversationChannel', conversation_id: conv });
      const orchSub = client.subscribe({ channel: 'AiOrchestrationChannel', type: 'account', id: 'acct-1' });
      const subs = [convSub, orchSub];
      await waitFor('connected', () => subs.every((s) => s.connected.length === 1));

      // The token the URL function returns from now on: a reconnect must read it again.
      currentToken = await edgeA.token({});
      assert.notEqual(currentToken, firstToken);
      const stoppedAt = Date.now();
      await edgeA.stop();
      c.edges.splice(c.edges.indexOf(edgeA), 1);
      await waitFor('disconnected on both', () => subs.every((s) => s.disconnected.length === 1));
      for (const s of subs) assert.deepEqual(s.disconnected, [{ willAttemptReconnect: true }]);
      assert.deepEqual(client.received.filter((f) => f['type'] === 'disconnect'), [{ type: 'disconnect', reason: 'server_restart', reconnect: true }]);
      await waitFor('close', () => client.current!.close);
      assert.equal(client.current!.close!.code, 4010);
      assert.ok(client.consumer.connection.monitor.isRunning(), 'the monitor keeps running to reconnect');

      const edgeB = await startTestEdgeOn(port);
      c.edges.push(edgeB);
      await edgeB.owners.setOwner('ai_conversation', conv, 'acct-1'); // a fresh embedded edge knows no owners
      await waitFor(
        () => `reconnected and re-subscribed; sockets ${client.sockets.length}, connected ${JSON.stringify(subs.map((s) => s.connected))}`,
        () => subs.every((s) => s.connected.length === 2),
        25_000,
      );
      const took = Date.now() - stoppedAt;
      t.diagnostic(`reconnected ${took} ms after the restart`);
      assert.equal(client.sockets.length, 2, 'one new socket, no reconnect storm');
      assert.equal(client.urlCalls, 2);
      assert.equal(client.sockets[1]!.url, `${edgeB.ws}/cable?token=${currentToken}`, 'the reconnect read the URL function again');
      assert.equal(client.sockets[1]!.received[0]!['type'], 'welcome');
      assert.equal(subs.flatMap((s) => s.connected).filter((d) => d.reconnected).length, 1, 'the first confirmation after the reconnect says reconnected: true');
      assert.equal(edgeB.server.connectionCount, 1);

      await publish(edgeB, `ai_conversation:${conv}`, 'message_created', { content: 'after restart' }, { type: 'ai_message', id: 'm-b' });
      await publish(edgeB, 'ai_orchestration:account:acct-1', 'agent.spawned', { after: 'restart' }, { type: 'agent', id: 'a-b' });
      await client.waitReceived(convSub, (m) => m['payload']?.['content'] === 'after restart', 'conversation event on the new edge');
      await client.waitReceived(orchSub, (m) => m['payload']?.['after'] === 'restart', 'orchestration event on the new edge');
    } finally {
      await c.run();
    }
  });

  test('f: a refused token → disconnect unauthorized, reconnect false, close 4001: no reconnect loop', async () => {
    const c = cleanup();
    try {
      const edge = await startTestEdge();
      c.edges.push(edge);
      const garbage = new CableClient(() => `${edge.ws}/cable?token=garbage.token.here`);
      const missing = new CableClient(() => `${edge.ws}/cable`);
      const clients = [garbage, missing];
      c.clients.push(...clients);
      const subs = clients.map((client) => client.subscribe({ channel: 'AiOrchestrationChannel', type: 'account', id: 'acct-1' }));
      await waitFor('both closed', () => clients.every((client) => client.current?.close));
      for (const [i, client] of clients.entries()) {
        // The upgrade succeeds (so the client can read the reason), then the refusal and the close.
        assert.deepEqual(client.current!.received, [{ type: 'disconnect', reason: 'unauthorized', reconnect: false }]);
        assert.equal(client.current!.close!.code, 4001);
        assert.deepEqual(client.sent(), [], 'no welcome, so the client never sent subscribe');
        await waitFor('disconnected', () => subs[i]!.disconnected.length === 1);
        assert.deepEqual(subs[i]!.disconnected, [{ willAttemptReconnect: false }]);
        assert.ok(!client.consumer.connection.monitor.isRunning(), 'the monitor is stopped');
      }
      await holdsFor(
        () => `no reconnect loop: url calls ${clients.map((x) => x.urlCalls)}, sockets ${clients.map((x) => x.sockets.length)}, connections ${edge.server.connectionCount}`,
        () => clients.every((client) => client.urlCalls === 1 && client.sockets.length === 1) && edge.server.connectionCount === 0,
        NO_RECONNECT_WINDOW_MS,
      );
      for (const s of subs) assert.deepEqual([s.connected.length, s.rejected, s.disconnected.length], [0, 0, 1]);
    } finally {
      await c.run();
    }
  });
});
