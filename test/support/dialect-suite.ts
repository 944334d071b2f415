import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TestClient, UpgradeRefused, type Frame } from './client.js';
import { startTarget, type Target } from './target.js';

const AC_PROTOCOLS = ['actioncable-v1-json', 'actioncable-unsupported'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let seq = 0;
/** Unique resource ids per test, so tests of one file never read each other's streams. */
const uid = (prefix: string) => `${prefix}-${process.pid}-${++seq}`;

/** Every WebSocket dialect end to end over real sockets, against one deployment mode. */
export function dialectSuite(mode: 'embedded' | 'cluster'): void {
  describe(`dialects (${mode})`, () => {
    let t: Target;
    before(async () => {
      t = await startTarget(mode);
    });
    after(() => t.stop());

    const last = () => t.ws[t.ws.length - 1]!;
    const ac = async (opts: { token?: string; edge?: string } = {}) =>
      TestClient.connect(opts.edge ?? t.ws[0]!, { path: '/cable', protocols: AC_PROTOCOLS, ...(opts.token !== undefined ? { token: opts.token } : {}) });
    const conversation = async (account = 'acct-1') => {
      const id = uid('c');
      await t.setOwner('ai_conversation', id, account);
      return id;
    };

    describe('ActionCable (/cable)', () => {
      test('welcome, the selected subprotocol, one confirmation, data frames echoing the identifier byte for byte', async () => {
        const conv = await conversation();
        const c = await ac({ token: await t.token({}) });
        assert.equal(c.ws.protocol, 'actioncable-v1-json');
        await c.type('welcome');
        // Two spellings of the same subscription are two subscriptions, each echoed exactly.
        const idA = `{"channel":"AiConversationChannel","conversation_id":"${conv}"}`;
        const idB = `{ "conversation_id": "${conv}", "channel": "AiConversationChannel" }`;
        for (let i = 0; i < 3; i++) c.send({ command: 'subscribe', identifier: idA }); // the client re-sends until confirmed
        c.send({ command: 'subscribe', identifier: idB });
        await c.next((f) => f['type'] === 'confirm_subscription' && f['identifier'] === idA);
        await c.next((f) => f['type'] === 'confirm_subscription' && f['identifier'] === idB);
        c.send({ command: 'subscribe', identifier: idA });
        await t.publish([`ai_conversation:${conv}`], 'message_created', { id: 'm1', content: 'hi' }, t.ws.length - 1);
        const a = await c.next((f) => f['identifier'] === idA && f['message'] !== undefined);
        const b = await c.next((f) => f['identifier'] === idB && f['message'] !== undefined);
        assert.equal(a['message']['event'], 'message_created');
        assert.deepEqual(a['message']['payload'], { id: 'm1', content: 'hi' });
        assert.deepEqual(b['message'], a['message']);
        await sleep(200);
        assert.equal(c.frames.filter((f) => f['type'] === 'confirm_subscription' && f['identifier'] === idA).length, 1, 'confirmed once');
        c.close();
      });

      test('unknown and forbidden channels are rejected; unreadable commands are ignored and the socket lives', async () => {
        const theirs = await conversation('acct-other');
        const c = await ac({ token: await t.token({}) });
        await c.type('welcome');
        c.send('not json');
        c.send({ command: 'dance', identifier: '{"channel":"AiConversationChannel"}' });
        c.send({ command: 'subscribe', identifier: 'not json either' });
        const unknown = '{"channel":"NoSuchChannel"}';
        const forbidden = `{"channel":"AiConversationChannel","conversation_id":"${theirs}"}`;
        c.send({ command: 'subscribe', identifier: unknown });
        c.send({ command: 'subscribe', identifier: forbidden });
        await c.next((f) => f['type'] === 'reject_subscription' && f['identifier'] === unknown);
        await c.next((f) => f['type'] === 'reject_subscription' && f['identifier'] === forbidden);
        // Nothing answered the unreadable commands (Rails ignores them too), and the socket still works.
        assert.deepEqual(
          c.frames.filter((f) => f['type'] !== 'ping').map((f) => f['type']),
          ['welcome', 'reject_subscription', 'reject_subscription'],
        );
        c.close();
      });

      test('tokens also arrive as a cookie or a bearer.<jwt> subprotocol entry (actioncable-v1-json is still the one selected)', async () => {
        const token = await t.token({});
        const byCookie = await TestClient.connect(t.ws[0]!, { path: '/cable', protocols: AC_PROTOCOLS, headers: { cookie: `other=1; herald_token=${token}` } });
        await byCookie.type('welcome');
        const byProtocol = await TestClient.connect(t.ws[0]!, { path: '/cable', protocols: [...AC_PROTOCOLS, `bearer.${token}`] });
        assert.equal(byProtocol.ws.protocol, 'actioncable-v1-json');
        await byProtocol.type('welcome');
        byCookie.close();
        byProtocol.close();
      });

      test('access withdrawn later (ownership moved) → reject_subscription for that identifier; the socket stays', async () => {
        const conv = await conversation();
        const identifier = `{"channel":"AiConversationChannel","conversation_id":"${conv}"}`;
        const c = await ac({ token: await t.token({}) });
        c.send({ command: 'subscribe', identifier });
        await c.type('confirm_subscription');
        await t.setOwner('ai_conversation', conv, 'acct-other');
        await c.next((f) => f['type'] === 'reject_subscription' && f['identifier'] === identifier);
        c.send({ command: 'subscribe', identifier: '{"channel":"NoSuchChannel"}' });
        await c.next((f) => f['type'] === 'reject_subscription' && f['identifier'] === '{"channel":"NoSuchChannel"}');
        c.close();
      });

      test('a ping every 3 s carrying the unix time', async () => {
        const c = await ac({ token: await t.token({}) });
        const ping = await c.type('ping', 7000);
        assert.ok(Number.isInteger(ping['message']) && Math.abs(ping['message'] - Date.now() / 1000) < 10);
        c.close();
      });

      test('a refused token is told in-band: disconnect unauthorized without reconnect, then close', async () => {
        for (const token of ['', 'garbage.token.here']) {
          const c = await ac({ token });
          const d = await c.type('disconnect');
          assert.deepEqual(d, { type: 'disconnect', reason: 'unauthorized', reconnect: false });
          assert.equal((await c.closed).code, 4001);
        }
      });

      test('revocation → disconnect unauthorized, reconnect false', async () => {
        const sub = uid('revoked');
        const c = await ac({ token: await t.token({ sub }) });
        await c.type('welcome');
        const res = await t.api('POST', '/v1/admin/revoke', { kind: 'user', value: sub, reason: 'test' });
        assert.equal(res.status, 200, await res.text());
        assert.deepEqual(await c.type('disconnect'), { type: 'disconnect', reason: 'unauthorized', reconnect: false });
        assert.equal((await c.closed).code, 4003);
      });

      test('perform send_message: the answer is transmitted on the subscription, the reply streams to every subscriber', async () => {
        const conv = await conversation();
        const identifier = `{"channel":"AiConversationChannel","conversation_id":"${conv}"}`;
        const me = await ac({ token: await t.token({}) });
        const other = await ac({ token: await t.token({ sub: 'u2' }), edge: last() });
        for (const c of [me, other]) {
          c.send({ command: 'subscribe', identifier });
          await c.type('confirm_subscription');
        }
        me.send({ command: 'message', identifier, data: JSON.stringify({ action: 'send_message', content: 'hello' }) });
        const answer = await me.next((f) => f['identifier'] === identifier && f['message']?.['status'] === 'ai_response_queued');
        assert.ok(answer['message']['message_id']);
        for (const c of [me, other]) {
          const created = await c.next((f) => f['message']?.['event'] === 'message_created');
          assert.equal(created['message']['payload']['content'], 'hello');
          await c.next((f) => f['message']?.['event'] === 'ai_response_streaming');
          await c.next((f) => f['message']?.['event'] === 'ai_response_complete', 15_000);
        }
        me.send({ command: 'message', identifier, data: JSON.stringify({ action: 'launch_rockets' }) });
        const err = await me.next((f) => f['message']?.['event'] === 'error');
        assert.equal(err['message']['payload']['code'], 'unknown_action');
        me.close();
        other.close();
      });
    });

    describe('channel-id JSON (/api/ws)', () => {
      test('subscribe → subscribed, events as {type, payload}, ping → pong, errors as error frames', async () => {
        const agent = uid('agent');
        await t.setOwner('agent', agent, 'acct-1');
        const theirs = uid('agent');
        await t.setOwner('agent', theirs, 'acct-other');
        const c = await TestClient.connect(t.ws[0]!, { path: '/api/ws', protocols: [], token: await t.token({}) });
        c.send({ type: 'subscribe', channelId: `agent:${agent}` });
        assert.deepEqual(await c.type('subscribed'), { type: 'subscribed', channelId: `agent:${agent}` });
        await t.publish([`agent:${agent}`], 'agent.spawned', { agentId: agent, taskId: 't1' }, t.ws.length - 1);
        assert.deepEqual(await c.type('agent.spawned'), { type: 'agent.spawned', payload: { agentId: agent, taskId: 't1' } });
        c.send({ type: 'ping' });
        await c.type('pong');
        c.send({ type: 'subscribe', channelId: `agent:${theirs}` });
        const refused = await c.next((f) => f['type'] === 'error' && f['channelId'] === `agent:${theirs}`);
        assert.equal(refused['code'], 'forbidden');
        c.send('{broken');
        assert.equal((await c.next((f) => f['type'] === 'error' && f['code'] === 'bad_json'))['type'], 'error');
        c.send({ type: 'unsubscribe', channelId: `agent:${agent}` });
        await c.type('unsubscribed');
        assert.equal(c.frames[0]!['type'], 'subscribed', 'no greeting before the first answer');
        c.close();
      });
      test('extensions over the original protocol: since resumes with recovered, perform is answered by id', async () => {
        const agent = uid('agent');
        await t.setOwner('agent', agent, 'acct-1');
        const first = await t.publish([`agent:${agent}`], 'agent.spawned', { n: 1 });
        await t.publish([`agent:${agent}`], 'agent.completed', { n: 2 });
        const { epoch, offset } = first.streams[0]!;
        const c = await TestClient.connect(t.ws[0]!, { path: '/api/ws', protocols: [], token: await t.token({}) });
        c.send({ type: 'subscribe', channelId: `agent:${agent}`, since: { epoch, offset } });
        assert.deepEqual(await c.type('subscribed'), { type: 'subscribed', channelId: `agent:${agent}`, recovered: true });
        assert.deepEqual(await c.type('agent.completed'), { type: 'agent.completed', payload: { n: 2 } });
        assert.equal(c.frames.filter((f) => f['type'] === 'agent.spawned').length, 0, 'only what came after the position');
        const conv = await conversation();
        c.send({ type: 'subscribe', channel: 'AiConversationChannel', params: { conversation_id: conv } });
        await c.next((f) => f['type'] === 'subscribed' && f['channel'] === 'AiConversationChannel');
        c.send({ type: 'perform', channel: 'AiConversationChannel', params: { conversation_id: conv }, action: 'typing_indicator', data: { status: 'typing' }, id: 'p1' });
        assert.deepEqual(await c.next((f) => f['id'] === 'p1'), { type: 'reply', id: 'p1', result: { delivered: 0 } });
        c.close();
      });
    });

    describe('path streams (/ws/...)', () => {
      test('the path is the subscription; events are flat {type, ...data}; ping → pong; bad frames → error', async () => {
        const agent = uid('agent');
        await t.setOwner('agent', agent, 'acct-1');
        const c = await TestClient.connect(t.ws[0]!, { path: `/ws/agents/${agent}`, protocols: [], token: await t.token({}) });
        c.send({ type: 'ping' });
        await c.type('pong'); // answered after the subscription is live (commands run in order)
        await t.publish([`agents:${agent}`], 'AGENT_SPAWNED', { agent_id: agent, role: 'coder' }, t.ws.length - 1);
        assert.deepEqual(await c.type('AGENT_SPAWNED'), { type: 'AGENT_SPAWNED', agent_id: agent, role: 'coder' });
        c.send({ type: 'subscribe', channel: 'X' });
        assert.equal((await c.type('error'))['code'], 'unknown_type');
        c.send({ type: 'ping' });
        assert.equal(c.frames.filter((f) => f['type'] === 'pong').length >= 1, true);
        c.close();
      });

      test('access withdrawn later → error frame, then close 4003: the URL was the only subscription', async () => {
        const agent = uid('agent');
        await t.setOwner('agent', agent, 'acct-1');
        const c = await TestClient.connect(t.ws[0]!, { path: `/ws/agents/${agent}`, protocols: [], token: await t.token({}) });
        c.send({ type: 'ping' });
        await c.type('pong');
        await t.setOwner('agent', agent, 'acct-other');
        assert.equal((await c.type('error'))['code'], 'forbidden');
        const closed = await Promise.race([c.closed, sleep(10_000).then(() => ({ code: 0 }))]);
        assert.equal(closed.code, 4003);
      });

      test('forbidden → error frame and close 4003; unknown path → 404; /ws/system needs system.read', async () => {
        const theirs = uid('agent');
        await t.setOwner('agent', theirs, 'acct-other');
        const c = await TestClient.connect(t.ws[0]!, { path: `/ws/agents/${theirs}`, protocols: [], token: await t.token({}) });
        assert.equal((await c.type('error'))['code'], 'forbidden');
        assert.equal((await c.closed).code, 4003);
        await assert.rejects(TestClient.connect(t.ws[0]!, { path: '/ws/nothing/1', protocols: [], token: await t.token({}) }), (e: unknown) => e instanceof UpgradeRefused && e.status === 404);
        await assert.rejects(TestClient.connect(t.ws[0]!, { path: '/ws/agents/not%20an%20id', protocols: [], token: await t.token({}) }), (e: unknown) => e instanceof UpgradeRefused && e.status === 400);
        const plain = await TestClient.connect(t.ws[0]!, { path: '/ws/system', protocols: [], token: await t.token({}) });
        assert.equal((await plain.closed).code, 4003);
        const op = await TestClient.connect(t.ws[0]!, { path: '/ws/system', protocols: [], token: await t.token({ permissions: ['system.read'] }) });
        op.send({ type: 'ping' });
        await op.type('pong');
        await t.publish(['system'], 'USAGE_SNAPSHOT', { tokens: 12 });
        assert.deepEqual(await op.type('USAGE_SNAPSHOT'), { type: 'USAGE_SNAPSHOT', tokens: 12 });
        op.close();
      });
    });

    describe('JSON-RPC 2.0 (/rpc)', () => {
      const rpc = async () => TestClient.connect(t.ws[0]!, { path: '/rpc', protocols: [], token: await t.token({}) });
      const call = (c: TestClient, id: number, method: string, params?: unknown) => {
        c.send({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
        return c.next((f) => f['id'] === id);
      };

      test('subscribe/unsubscribe/perform are methods; events are notifications', async () => {
        const conv = await conversation();
        const c = await rpc();
        assert.equal((await c.next((f) => f['method'] === 'welcome'))['jsonrpc'], '2.0');
        const sub = await call(c, 1, 'subscribe', { channel: 'AiConversationChannel', params: { conversation_id: conv } });
        assert.equal(sub['result']['streams'][0]['stream'], `ai_conversation:${conv}`);
        const published = await t.publish([`ai_conversation:${conv}`], 'message_created', { n: 1 }, t.ws.length - 1);
        const note = await c.next((f) => f['method'] === 'event');
        assert.deepEqual(note['params']['event']['payload'], { n: 1 });
        assert.equal(note['params']['offset'], published.streams[0]!.offset);
        assert.equal(note['id'], undefined, 'a notification has no id');
        const performed = await call(c, 2, 'perform', { channel: 'AiConversationChannel', params: { conversation_id: conv }, action: 'typing_indicator', data: { status: 'typing' } });
        assert.deepEqual(performed['result'], { delivered: 0 });
        const un = await call(c, 3, 'unsubscribe', { channel: 'AiConversationChannel', params: { conversation_id: conv } });
        assert.equal(un['result']['unsubscribed'], true);
        c.close();
      });

      test('standard error codes, and Herald refusals as errors with data', async () => {
        const theirs = await conversation('acct-other');
        const c = await rpc();
        c.send('{nope');
        assert.equal((await c.next((f) => f['error']?.['code'] === -32700))['id'], null);
        c.send([{ jsonrpc: '2.0', id: 9, method: 'ping' }]);
        assert.equal((await c.next((f) => f['error']?.['code'] === -32600))['id'], null);
        assert.equal((await call(c, 1, 'ping'))['result'], 'pong');
        c.send({ jsonrpc: '1.0', id: 2, method: 'ping' });
        assert.equal((await c.next((f) => f['id'] === 2))['error']['code'], -32600);
        assert.equal((await call(c, 3, 'subscribe', { params: {} }))['error']['code'], -32602);
        assert.equal((await call(c, 4, 'subscribe', { channel: 'NoSuchChannel' }))['error']['data']['reason'], 'unknown_channel');
        const denied = await call(c, 5, 'subscribe', { channel: 'AiConversationChannel', params: { conversation_id: theirs } });
        assert.equal(denied['error']['code'], -32001);
        assert.deepEqual([denied['error']['data']['reason'], denied['error']['data']['retryable']], ['forbidden', false]);
        assert.equal((await call(c, 6, 'tools/nothing'))['error']['code'], -32601);
        c.close();
      });

      test('refresh takes a new token in band; a subscribe sent as a notification gets notifications back, never a response', async () => {
        const theirs = await conversation('acct-other');
        const c = await rpc();
        const refreshed = await call(c, 1, 'refresh', { token: await t.token({ ttlSec: 600 }) });
        assert.equal(typeof refreshed['result']['expiresAt'], 'number');
        assert.equal((await call(c, 2, 'refresh', { token: await t.token({ sub: 'someone-else' }) }))['error']['code'], -32008);
        c.send({ jsonrpc: '2.0', method: 'subscribe', params: { channel: 'AiConversationChannel', params: { conversation_id: theirs } } });
        const note = await c.next((f) => f['method'] === 'rejected');
        assert.deepEqual([note['params']['reason'], note['id']], ['forbidden', undefined]);
        const conv = await conversation();
        c.send({ jsonrpc: '2.0', method: 'subscribe', params: { channel: 'AiConversationChannel', params: { conversation_id: conv } } });
        assert.equal((await c.next((f) => f['method'] === 'subscribed'))['params']['streams'][0]['stream'], `ai_conversation:${conv}`);
        await t.setOwner('ai_conversation', conv, 'acct-other');
        assert.equal((await c.next((f) => f['method'] === 'unsubscribed'))['params']['reason'], 'forbidden');
        assert.equal(c.frames.filter((f) => f['id'] === null).length, 0, 'no response to a notification');
        c.close();
      });

      test('other methods are forwarded to a backend with the caller identity (the MCP transport)', async () => {
        const stop = await t.serveRpc('tools/list', (req) => ({ tools: [{ name: 'search' }], caller: req.identity.userId, params: req.params }));
        const c = await rpc();
        const res = await call(c, 7, 'tools/list', { cursor: 'x' });
        assert.deepEqual(res['result'], { tools: [{ name: 'search' }], caller: 'u1', params: { cursor: 'x' } });
        stop();
        c.close();
      });
    });

    test('a broadcast action (typing_indicator) reaches the other subscribers on every edge, never the sender, and is rate limited', async () => {
      const conv = await conversation();
      const ref = { channel: 'AiConversationChannel', params: { conversation_id: conv } };
      const alice = await TestClient.connect(t.ws[0]!, { token: await t.token({ sub: 'alice' }) });
      const bob = await TestClient.connect(last(), { token: await t.token({ sub: 'bob' }) });
      const cable = await ac({ token: await t.token({ sub: 'carol' }), edge: last() });
      const identifier = JSON.stringify({ channel: 'AiConversationChannel', conversation_id: conv });
      cable.send({ command: 'subscribe', identifier });
      await cable.type('confirm_subscription');
      await alice.subscribe(ref);
      await bob.subscribe(ref);
      alice.send({ type: 'perform', ...ref, action: 'typing_indicator', data: { status: 'typing' }, id: 'ti' });
      await alice.next((f) => f['id'] === 'ti' && f['result'] !== undefined);
      const seen = await bob.next((f) => f['type'] === 'event' && f['event']['event'] === 'typing_indicator');
      assert.deepEqual(seen['event']['payload'], { status: 'typing', user_id: 'alice' });
      const carol = await cable.next((f) => f['message']?.['event'] === 'typing_indicator');
      assert.equal(carol['identifier'], identifier);
      // Over the rate (5/s, burst 10): refused with rate_limited, the connection stays.
      for (let i = 0; i < 15; i++) alice.send({ type: 'perform', ...ref, action: 'typing_indicator', data: { status: 'typing' }, id: `burst-${i}` });
      await alice.next((f) => f['id'] === 'burst-14');
      const limited = alice.frames.filter((f) => typeof f['id'] === 'string' && f['id'].startsWith('burst-') && f['error']?.['code'] === 'rate_limited');
      assert.ok(limited.length >= 4, `rate limited: ${limited.length}`);
      alice.send({ type: 'ping', id: 'alive' });
      await alice.next((f) => f['id'] === 'alive');
      await sleep(300);
      assert.equal(alice.events().filter((f) => f['event']['event'] === 'typing_indicator').length, 0, 'never back to the sender');
      // Each accepted one reaches bob exactly once (relayed across edges, never echoed back twice).
      const typing = () => bob.events().filter((f) => f['event']['event'] === 'typing_indicator').length;
      const expected = 1 + 15 - limited.length;
      for (let i = 0; i < 100 && typing() < expected; i++) await sleep(20);
      await sleep(200);
      assert.equal(typing(), expected);
      for (const c of [alice, bob, cable]) c.close();
    });

    test('one event reaches six dialects on one stream, each in its own shape, from one encode per dialect', async () => {
      const agent = uid('agent');
      await t.setOwner('agent', agent, 'acct-1');
      const stream = `agents:${agent}`;
      const token = await t.token({});
      const ref = { channel: '/ws/agents', params: { agent_id: agent } };
      const native = await TestClient.connect(t.ws[0]!, { token });
      await native.subscribe(ref);
      const cable = await ac({ token });
      const identifier = JSON.stringify({ channel: '/ws/agents', agent_id: agent });
      cable.send({ command: 'subscribe', identifier });
      await cable.type('confirm_subscription');
      const ids = await TestClient.connect(t.ws[0]!, { path: '/api/ws', protocols: [], token });
      ids.send({ type: 'subscribe', ...ref });
      await ids.type('subscribed');
      const path = await TestClient.connect(t.ws[0]!, { path: `/ws/agents/${agent}`, protocols: [], token });
      path.send({ type: 'ping' });
      await path.type('pong');
      const rpc = await TestClient.connect(t.ws[0]!, { path: '/rpc', protocols: [], token });
      rpc.send({ jsonrpc: '2.0', id: 1, method: 'subscribe', params: ref });
      await rpc.next((f) => f['id'] === 1);
      const sse = await openSse(`${t.http[0]}/sse?channel=/ws/agents&agent_id=${agent}&token=${token}`);

      const before = await encodedCounts(t.http[0]!);
      const payload = { agent_id: agent, status: 'running' };
      const { streams } = await t.publish([stream], 'AGENT_RESUMED', payload);
      const offset = streams[0]!.offset;

      const n = await native.next((f) => f['type'] === 'event');
      assert.deepEqual([n['stream'], n['offset'], n['event']['event'], n['event']['payload']], [stream, offset, 'AGENT_RESUMED', payload]);
      // By identifier: ActionCable's pings carry a `message` too (the time), and one may come first.
      const a = await cable.next((f) => f['identifier'] === identifier && f['message'] !== undefined);
      assert.deepEqual([a['identifier'], a['message']['event'], a['message']['payload']], [identifier, 'AGENT_RESUMED', payload]);
      assert.deepEqual(await ids.type('AGENT_RESUMED'), { type: 'AGENT_RESUMED', payload });
      assert.deepEqual(await path.type('AGENT_RESUMED'), { type: 'AGENT_RESUMED', ...payload });
      const r = await rpc.next((f) => f['method'] === 'event');
      assert.deepEqual([r['params']['stream'], r['params']['offset'], r['params']['event']['payload']], [stream, offset, payload]);
      const s = await sse.next('AGENT_RESUMED');
      assert.equal(s.id?.endsWith(`:${offset}`), true);
      assert.deepEqual(JSON.parse(s.data)['payload'], payload);

      const after = await encodedCounts(t.http[0]!);
      for (const dialect of ['native', 'actioncable', 'channel-id', 'path', 'jsonrpc', 'sse']) {
        assert.equal((after[dialect] ?? 0) - (before[dialect] ?? 0), 1, `${dialect}: one encode for one event`);
      }
      for (const c of [native, cable, ids, path, rpc]) c.close();
      sse.close();
    });
  });
}

/** `herald_frames_encoded_total` per dialect from an edge's /metrics. */
async function encodedCounts(http: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${http}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^herald_frames_encoded_total\{dialect="([^"]+)"\} (\d+)/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

/** A minimal streaming SSE reader over fetch. */
async function openSse(url: string): Promise<{ next(event: string, timeoutMs?: number): Promise<{ id?: string; data: string }>; close(): void }> {
  const ctrl = new AbortController();
  const res = await fetch(url, { signal: ctrl.signal });
  assert.equal(res.status, 200, await (res.status === 200 ? Promise.resolve('') : res.text()));
  const events: { event: string; id?: string; data: string }[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const e: Frame = { event: 'message', data: '' };
          for (const line of block.split('\n')) {
            const i = line.indexOf(':');
            if (i <= 0) continue;
            const k = line.slice(0, i);
            const v = line.slice(i + 1).trimStart();
            if (k === 'data') e['data'] += v;
            else e[k] = v;
          }
          events.push(e as { event: string; id?: string; data: string });
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    async next(event, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find((e) => e.event === event);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no SSE ${event} within ${timeoutMs} ms; got ${JSON.stringify(events.slice(-3))}`);
        await sleep(10);
      }
    },
    close: () => ctrl.abort(),
  };
}
