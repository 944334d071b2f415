import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEdge, type TestEdge } from '../support/edge.js';
import { TestClient } from '../support/client.js';

describe('limits: a misbehaving client is closed with 4008/4000 while others keep receiving', () => {
  let edge: TestEdge;
  let bystander: TestClient;
  const STREAM = 'notifications:acct-1';
  before(async () => {
    edge = await startTestEdge({ HERALD_MAX_FRAME_BYTES: '1024', HERALD_MAX_SUBSCRIPTIONS: '3', HERALD_RATE_LIMIT: '20', HERALD_RATE_BURST: '30' });
    bystander = await TestClient.connect(edge.ws, { token: await edge.token({}) });
    await bystander.subscribe({ channel: 'NotificationChannel', params: { account_id: 'acct-1' } });
  });
  after(async () => {
    bystander.close();
    await edge.stop();
  });

  async function bystanderStillReceives(): Promise<void> {
    const { streams } = await edge.publish([STREAM], 'notification.created', { at: Date.now() });
    await bystander.next((f) => f['type'] === 'event' && f['offset'] === streams[0]!.offset);
  }

  test('malformed JSON gets an error frame and the connection lives', async () => {
    const c = await TestClient.connect(edge.ws, { token: await edge.token({}) });
    c.send('{"type":"subscribe",');
    const err = await c.type('error');
    assert.equal(err['code'], 'bad_json');
    c.send({ type: 'nonsense', id: 4 });
    assert.equal((await c.next((f) => f['type'] === 'error' && f['id'] === 4))['code'], 'unknown_type');
    c.send({ type: 'ping', id: 'still-here' });
    await c.next((f) => f['type'] === 'pong' && f['id'] === 'still-here');
    c.close();
  });

  test('an oversized frame closes with 4008', async () => {
    const c = await TestClient.connect(edge.ws, { token: await edge.token({}) });
    c.send({ type: 'ping', pad: 'x'.repeat(2000) });
    const disconnect = await c.type('disconnect');
    assert.deepEqual({ ...disconnect, retryAfterMs: undefined }, { type: 'disconnect', reason: 'frame_too_large', reconnect: true, retryAfterMs: undefined });
    assert.ok(disconnect['retryAfterMs'] >= 1000 && disconnect['retryAfterMs'] < 5000, 'a back-off hint after a limit');
    assert.equal((await c.closed).code, 4008);
    await bystanderStillReceives();
  });

  test('a subscription flood closes with 4008', async () => {
    const c = await TestClient.connect(edge.ws, { token: await edge.token({}) });
    await c.subscribe({ channel: 'MissionChannel', params: { type: 'account', id: 'acct-1' } });
    await c.subscribe({ channel: 'NotificationChannel', params: { account_id: 'acct-1' } });
    await c.subscribe({ channel: 'AiOrchestrationChannel', params: { type: 'account', id: 'acct-1' } });
    c.send({ type: 'subscribe', channel: 'DevopsPipelineChannel', params: { account_id: 'acct-1' } });
    const { code, reason } = await c.closed;
    assert.equal(code, 4008);
    assert.equal(reason, 'too_many_subscriptions');
    await bystanderStillReceives();
  });

  test('a message flood closes with 4008', async () => {
    const c = await TestClient.connect(edge.ws, { token: await edge.token({}) });
    for (let i = 0; i < 200; i++) c.send({ type: 'ping' });
    const { code, reason } = await c.closed;
    assert.equal(code, 4008);
    assert.equal(reason, 'rate_limited');
    assert.ok(c.frames.filter((f) => f['type'] === 'pong').length <= 31, 'no more than the burst was served');
    await bystanderStillReceives();
  });

  test('a text frame that is not UTF-8 is dropped by the transport itself (uWS closes the socket)', async () => {
    const c = await TestClient.connect(edge.ws, { token: await edge.token({}) });
    c.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    assert.equal((await c.closed).code, 1006);
    assert.equal(c.frames.some((f) => f['type'] === 'error'), false, 'never reaches the session');
    await bystanderStillReceives();
  });

  test('binary frames are a protocol violation: 4000, do not reconnect', async () => {
    const c = await TestClient.connect(edge.ws, { token: await edge.token({}) });
    c.ws.send(Buffer.from([1, 2, 3]));
    const d = await c.type('disconnect');
    assert.equal(d['reconnect'], false);
    assert.equal((await c.closed).code, 4000);
    await bystanderStillReceives();
  });
});

describe('connection cap', () => {
  test('past HERALD_MAX_CONNECTIONS upgrades get 503 capacity; a freed slot is usable again', async () => {
    const edge = await startTestEdge({ HERALD_MAX_CONNECTIONS: '2' });
    try {
      const a = await TestClient.connect(edge.ws, { token: await edge.token({}) });
      const b = await TestClient.connect(edge.ws, { token: await edge.token({}) });
      await assert.rejects(TestClient.connect(edge.ws, { token: await edge.token({}) }), (e: { status?: number; body?: { reason?: string } }) => e.status === 503 && e.body?.reason === 'capacity');
      a.close();
      await a.closed;
      await new Promise((r) => setTimeout(r, 20));
      const c = await TestClient.connect(edge.ws, { token: await edge.token({}) });
      await c.type('welcome');
      b.close();
      c.close();
    } finally {
      await edge.stop();
    }
  });
});

describe('slow consumers', () => {
  test('a client that stops reading is closed (4009, or abnormally at the hard limit) instead of losing events silently', async () => {
    const edge = await startTestEdge({ HERALD_MAX_BACKPRESSURE_BYTES: String(4 * 1024 * 1024) });
    try {
      const slow = await TestClient.connect(edge.ws, { token: await edge.token({}) });
      await slow.subscribe({ channel: 'NotificationChannel', params: { account_id: 'acct-1' } });
      const fast = await TestClient.connect(edge.ws, { token: await edge.token({}) });
      await fast.subscribe({ channel: 'NotificationChannel', params: { account_id: 'acct-1' } });
      (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      const blob = 'x'.repeat(60_000);
      let sent = 0;
      let slowClosed = false;
      void slow.closed.then(() => (slowClosed = true));
      const deadline = Date.now() + 20_000;
      // ~1.2 MB/s: slow enough for the once-a-second check to see the soft limit before the hard one.
      while (!slowClosed && Date.now() < deadline && edge.server.connectionCount === 2) {
        await edge.publish(['notifications:acct-1'], 'bulk', { blob, i: sent++ });
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(edge.server.connectionCount, 1, 'the slow consumer was disconnected');
      (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
      const { code } = await slow.closed;
      assert.ok(code === 4009 || code === 1006, `closed with ${code}`);
      await fast.waitEvents(sent, 'notifications:acct-1', 10_000);
      fast.close();
    } finally {
      await edge.stop();
    }
  });
});
