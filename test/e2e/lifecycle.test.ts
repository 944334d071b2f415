import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startTestEdge } from '../support/edge.js';
import { TestClient } from '../support/client.js';

test('token expiry closes the socket with 4001 after a disconnect frame', async () => {
  const edge = await startTestEdge();
  try {
    const c = await TestClient.connect(edge.ws, { token: await edge.token({ ttlSec: 2 }) });
    const welcome = await c.type('welcome');
    assert.ok(welcome['expiresAt'] <= Date.now() + 2000);
    const d = await c.type('disconnect', 5000);
    assert.deepEqual(d, { type: 'disconnect', reason: 'token_expired', reconnect: true });
    assert.equal((await c.closed).code, 4001);
  } finally {
    await edge.stop();
  }
});

test('in-band refresh keeps the socket and its subscriptions past the first token’s expiry', async () => {
  const edge = await startTestEdge();
  try {
    const c = await TestClient.connect(edge.ws, { token: await edge.token({ ttlSec: 2 }) });
    await c.subscribe({ channel: 'NotificationChannel', params: { account_id: 'acct-1' } });
    const wrongUser = await edge.token({ sub: 'someone-else', ttlSec: 60 });
    c.send({ type: 'refresh', token: wrongUser, id: 1 });
    assert.equal((await c.next((f) => f['id'] === 1))['code'], 'refresh_failed');
    c.send({ type: 'refresh', token: 'garbage', id: 2 });
    assert.equal((await c.next((f) => f['id'] === 2))['code'], 'refresh_failed');
    c.send({ type: 'refresh', token: await edge.token({ ttlSec: 60 }), id: 3 });
    const refreshed = await c.next((f) => f['id'] === 3);
    assert.equal(refreshed['type'], 'refreshed');
    assert.ok(refreshed['expiresAt'] > Date.now() + 50_000);
    await new Promise((r) => setTimeout(r, 3000));
    const { streams } = await edge.publish(['notifications:acct-1'], 'notification.created', {});
    await c.next((f) => f['type'] === 'event' && f['offset'] === streams[0]!.offset);
    assert.equal(c.frames.some((f) => f['type'] === 'disconnect'), false);
    c.close();
  } finally {
    await edge.stop();
  }
});

test('drain: readyz turns 503, sockets close with 4010 and a reconnect hint, new upgrades are refused', async () => {
  const edge = await startTestEdge();
  try {
    assert.equal((await fetch(`${edge.http}/healthz`)).status, 200);
    assert.equal((await fetch(`${edge.http}/readyz`)).status, 200);
    const clients = await Promise.all([1, 2, 3].map(async () => TestClient.connect(edge.ws, { token: await edge.token({}) })));
    await edge.server.drain(100);
    for (const c of clients) {
      const d = await c.type('disconnect');
      assert.deepEqual({ ...d, retryAfterMs: undefined }, { type: 'disconnect', reason: 'draining', reconnect: true, retryAfterMs: undefined });
      assert.ok(d['retryAfterMs'] >= 0 && d['retryAfterMs'] < 2000, `a spread retry hint: ${d['retryAfterMs']}`);
      assert.equal((await c.closed).code, 4010);
    }
    assert.equal((await fetch(`${edge.http}/readyz`)).status, 503);
    assert.equal((await fetch(`${edge.http}/healthz`)).status, 200);
    await assert.rejects(TestClient.connect(edge.ws, { token: await edge.token({}) }), (e: { status?: number }) => e.status === 503);
  } finally {
    await edge.stop();
  }
});

test('metrics expose connections, subscriptions, messages, closes and fan-out latency without per-user labels', async () => {
  const edge = await startTestEdge();
  try {
    const c = await TestClient.connect(edge.ws, { token: await edge.token({}) });
    await c.next((f) => f['type'] === 'subscribed' && f['channel'] === 'Inbox');
    await c.subscribe({ channel: 'NotificationChannel', params: { account_id: 'acct-1' } });
    await edge.publish(['notifications:acct-1'], 'notification.created', {});
    await c.waitEvents(1);
    const text = await (await fetch(`${edge.http}/metrics`)).text();
    assert.match(text, /herald_connections\{dialect="native"\} 1/);
    assert.match(text, /herald_subscriptions 2/, 'the inbox and the channel');
    assert.match(text, /herald_messages_in_total\{dialect="native"\} 1/);
    assert.match(text, /herald_messages_out_total 1/);
    assert.match(text, /herald_fanout_latency_seconds_count 1/);
    assert.match(text, /herald_published_total\{history="true"\} 1/);
    assert.doesNotMatch(text, /acct-1|u1|notifications:/, 'no user, account or stream names in labels');
    c.close();
    await c.closed;
    await new Promise((r) => setTimeout(r, 20));
    assert.match(await (await fetch(`${edge.http}/metrics`)).text(), /herald_closes_total\{code="1000"\} 1/);
  } finally {
    await edge.stop();
  }
});

test('an edge refuses a port another process already listens on (no silent SO_REUSEPORT sharing)', async () => {
  const first = await startTestEdge();
  try {
    await assert.rejects(startTestEdge({ HERALD_PORT: String(first.port) }), /cannot listen/);
  } finally {
    await first.stop();
  }
});

/** Listening TCP sockets on `port` (state 0A in /proc/net/tcp), each with its own accept queue. */
function listenSocketsOn(port: number): number {
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => {
      const [, local, , state] = line.trim().split(/\s+/);
      return local?.endsWith(hexPort) && state === '0A';
    }).length;
}

test('HERALD_LISTEN_SOCKETS: the port is served by that many listen sockets (one accept queue each), all of them answer, and closing releases them all', async () => {
  const edge = await startTestEdge({ HERALD_LISTEN_SOCKETS: '3' });
  let stopped = false;
  try {
    assert.equal(listenSocketsOn(edge.port), 3);
    // Connections land on the group's sockets by the kernel's hash of the client port; each one is served.
    const clients = await Promise.all(Array.from({ length: 30 }, async () => TestClient.connect(edge.ws, { token: await edge.token({}) })));
    for (const c of clients) assert.equal((await c.type('welcome'))['type'], 'welcome');
    for (const c of clients) c.close();
    // Another process still cannot join the port, even though the group shares it among its own sockets.
    await assert.rejects(startTestEdge({ HERALD_PORT: String(edge.port) }), /cannot listen/);
    await edge.stop();
    stopped = true;
    assert.equal(listenSocketsOn(edge.port), 0);
  } finally {
    if (!stopped) await edge.stop();
  }
});

test('HERALD_LISTEN_SOCKETS=1: one exclusive listen socket', async () => {
  const edge = await startTestEdge({ HERALD_LISTEN_SOCKETS: '1' });
  try {
    assert.equal(listenSocketsOn(edge.port), 1);
    await assert.rejects(startTestEdge({ HERALD_PORT: String(edge.port) }), /cannot listen/);
  } finally {
    await edge.stop();
  }
});
