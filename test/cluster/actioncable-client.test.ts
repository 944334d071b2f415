import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type ClusterEdgeProcess, type TestCluster } from '../support/cluster.js';
import { CableClient, waitFor, type TrackedSubscription } from '../support/actioncable.js';

/**
 * The official `@rails/actioncable` client against a cluster: NATS, the authz service, two edge
 * processes and `herald producers` (the backend answering send_message over NATS). Events published
 * on one edge reach a client on the other, a perform is answered by the backend, and when the edge
 * the client is on is SIGKILLed the client's own reconnect logic lands it on the surviving edge.
 */

describe('official @rails/actioncable client against a cluster', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startTestCluster({ nodes: 1, edges: 2, authz: 1, producers: true });
  });
  after(() => cluster?.stop());

  test('subscribe, receive from the other edge, perform send_message; SIGKILL of its edge → reconnects to the other and works on', async (t) => {
    const [e0, e1] = cluster.edges as [ClusterEdgeProcess, ClusterEdgeProcess];
    const conv = `conv-cluster-${process.pid}`;
    const owned = await cluster.api(e0, 'PUT', `/v1/owners/ai_conversation/${conv}`, { account_id: 'acct-1' });
    assert.equal(owned.status, 204, await owned.text());

    // What a health-checked load balancer does: send (re)connects to an edge that is up.
    const alive = new Set(cluster.edges);
    for (const e of cluster.edges) void e.exited.then(() => alive.delete(e));
    const currentToken = await cluster.token({});
    const client = new CableClient(() => `${[...alive][0]!.ws}/cable?token=${currentToken}`);
    try {
      const convSub = client.subscribe({ channel: 'AiConversationChannel', conversation_id: conv });
      const orchSub = client.subscribe({ channel: 'AiOrchestrationChannel', type: 'account', id: 'acct-1' });
      const subs: TrackedSubscription[] = [convSub, orchSub];
      await waitFor('both subscriptions connected', () => subs.every((s) => s.connected.length === 1), 15_000);
      assert.ok(client.current!.url.startsWith(`${e0.ws}/cable?`), client.current!.url);

      // Published on the other edge, delivered through NATS.
      await cluster.publish(e1, [`ai_conversation:${conv}`], 'message_created', { content: 'via e1' });
      await cluster.publish(e1, ['ai_orchestration:account:acct-1'], 'agent.spawned', { via: 'e1' });
      await client.waitReceived(convSub, (m) => m['payload']?.['content'] === 'via e1', 'conversation event from e1');
      await client.waitReceived(orchSub, (m) => m['payload']?.['via'] === 'e1', 'orchestration event from e1');
      assert.deepEqual(Object.keys(convSub.received[0]!), ['event', 'payload', 'timestamp']);

      // perform → the backend (herald producers, over NATS) answers and streams the reply.
      const sendMessage = async (content: string) => {
        const from = convSub.received.length;
        assert.equal(convSub.subscription.perform('send_message', { content }), true);
        await client.waitReceived(convSub, (m) => m['event'] === 'ai_response_complete' && String(m['payload']?.['content']).includes(content), `ai_response_complete for ${content}`, 20_000);
        const got = convSub.received.slice(from);
        const status = got.find((m) => m['status'] === 'ai_response_queued');
        assert.ok(status && typeof status['message_id'] === 'string', JSON.stringify(got));
        const names = got.filter((m) => typeof m['event'] === 'string').map((m) => m['event'] as string);
        assert.match(names.join(' '), /^message_created ai_response_queued (ai_response_streaming ){2,}ai_response_complete$/, names.join(' '));
        assert.equal(got.find((m) => m['event'] === 'message_created')!['resource_id'], status['message_id']);
      };
      await sendMessage('hello cluster');

      // Crash the edge the client is on: no disconnect frame, just a dead TCP connection (1006).
      const killedAt = Date.now();
      await e0.kill();
      await waitFor('disconnected on both', () => subs.every((s) => s.disconnected.length === 1));
      for (const s of subs) assert.deepEqual(s.disconnected, [{ willAttemptReconnect: true }]);
      assert.equal(client.received.filter((f) => f['type'] === 'disconnect').length, 0, 'a crash says nothing');
      await waitFor('close', () => client.current!.close);
      assert.equal(client.current!.close!.code, 1006);

      // The client's ConnectionMonitor reopens 6–18 s later (see test/e2e/actioncable-client.test.ts),
      // asks the URL function again, and re-subscribes everything on welcome.
      await waitFor(
        () => `reconnected to e1; sockets ${client.sockets.map((s) => s.url.split('/cable')[0])}, connected ${JSON.stringify(subs.map((s) => s.connected))}`,
        () => subs.every((s) => s.connected.length === 2),
        25_000,
      );
      t.diagnostic(`reconnected ${Date.now() - killedAt} ms after the SIGKILL`);
      assert.equal(client.sockets.length, 2, 'one new socket');
      assert.ok(client.current!.url.startsWith(`${e1.ws}/cable?`), client.current!.url);
      assert.equal(client.urlCalls, 2);

      await cluster.publish(e1, [`ai_conversation:${conv}`], 'message_created', { content: 'after failover' });
      await client.waitReceived(convSub, (m) => m['payload']?.['content'] === 'after failover', 'event after failover');
      await sendMessage('hello again');
    } finally {
      await client.close();
    }
  });
});
