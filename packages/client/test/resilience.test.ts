import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocketServer } from 'ws';
import { createHeraldClient, type HeraldClientOptions, type Status, type SubscriptionError } from '@herald/client';
import { freePort } from '@herald/local-nats';
import { startTestEdge, type TestEdge } from '../../../test/support/edge.js';
import { startSharedBusEdge } from '../../../test/support/shared-bus-edge.js';
import { FakeEnvironment, holdsFor, sleep, SocketRecorder, waitFor } from './helpers.js';
import { publishLoop } from '../../../test/support/publish-loop.js';

const ACCOUNT = { channel: 'AiOrchestrationChannel', params: { type: 'account', id: 'acct-1' } } as const;
const STREAM = 'ai_orchestration:account:acct-1';

/** Strictly increasing (in order, no duplicate) and exactly the acknowledged offsets. */
function exactlyOnceInOrder(got: number[], acked: number[]): void {
  for (let i = 1; i < got.length; i++) assert.ok(got[i]! > got[i - 1]!, `out of order or duplicated at ${i}: ${got[i - 1]} then ${got[i]}`);
  assert.deepEqual(got, acked);
}

describe('@herald/client resilience: restarts, dead sockets, network signals, close codes', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  function client(edgeWs: string, getToken: () => Promise<string> | string, extra: Partial<HeraldClientOptions> = {}) {
    const rec = new SocketRecorder();
    const herald = createHeraldClient({ url: `${edgeWs}/ws`, getToken, WebSocket: rec.WebSocket, ...extra });
    cleanups.push(() => herald.disconnect());
    const statuses: Status[] = [];
    herald.onStatus((s) => statuses.push(s));
    return { rec, herald, statuses };
  }

  async function edge(env: Record<string, string> = {}): Promise<TestEdge> {
    const e = await startTestEdge(env);
    cleanups.unshift(() => e.stop()); // stopped after the clients
    return e;
  }

  test('edge restarted mid-stream while a publisher keeps publishing: every acknowledged event exactly once, in order', async (t) => {
    const e = await startSharedBusEdge();
    cleanups.unshift(() => e.stop());
    const { rec, herald, statuses } = client(e.ws, () => e.token({}), { reconnect: { baseMs: 200 } });
    const got: number[] = [];
    herald.subscribe({ ...ACCOUNT, onMessage: (_ev, m) => got.push(m.offset!) });
    await waitFor('open', () => herald.status === 'open' && rec.last.received.some((f) => f['type'] === 'subscribed'));

    // Backends publish to the bus, which outlives the edge (NATS in a cluster).
    const pub = publishLoop(async (n) => (await e.producer.publish({ streams: [STREAM], event: 'agent.execution.progress', payload: { n } })).streams[0]!.offset, 5);
    const { acked } = pub;
    await waitFor('some events before the restart', () => got.length >= 30);
    const downAt = Date.now();
    await e.down();
    await waitFor('the client saw the drop', () => rec.sockets[0]!.close !== undefined);
    await sleep(300); // down for a while: events pile up in the bus
    await e.up();
    const upAt = Date.now();
    await waitFor('reconnected', () => rec.sockets.length >= 2 && herald.status === 'open', 10_000);
    t.diagnostic(`reconnected ${Date.now() - downAt} ms after the edge went down (down for ${upAt - downAt} ms), ${rec.sockets.length - 1} attempt(s)`);
    await sleep(300);
    await pub.stop();
    await waitFor(() => `all ${acked.length} acknowledged events, got ${got.length}`, () => got.length >= acked.length);
    await sleep(100);
    exactlyOnceInOrder(got, acked);
    assert.equal(rec.sockets[0]!.close!.code, 4010);
    const resumed = rec.last.received.find((f) => f['type'] === 'subscribed')!;
    assert.equal(resumed['recovered'], true);
    assert.deepEqual(statuses.slice(0, 3), ['connecting', 'open', 'reconnecting']);
    assert.equal(statuses.at(-1), 'open');
    assert.equal(e.server.connectionCount, 1);
  });

  test('recovered:false (history evicted while away) → onError reset, then live events continue', async () => {
    const ed = await edge({ HERALD_HISTORY_MAX_PER_STREAM: '5' });
    const env = new FakeEnvironment();
    const { herald, rec } = client(ed.ws, () => ed.token({}), { environment: env });
    const got: number[] = [];
    const errors: SubscriptionError[] = [];
    herald.subscribe({ ...ACCOUNT, onMessage: (_e, m) => got.push(m.offset!), onError: (err) => errors.push(err) });
    await waitFor('subscribed', () => rec.sockets[0]?.received.some((f) => f['type'] === 'subscribed'));
    await ed.publish([STREAM], 'x.before', {});
    await waitFor('first event', () => got.length === 1);
    env.emit('offline');
    await waitFor('offline', () => herald.status === 'offline');
    for (let i = 0; i < 10; i++) await ed.publish([STREAM], 'x.missed', { i }); // history keeps 5
    env.emit('online');
    await waitFor('reset', () => errors.length === 1);
    assert.deepEqual(errors, [{ type: 'reset', streams: [STREAM], reason: 'not_recovered' }]);
    assert.equal(got.length, 1, 'nothing replayed when the client must refetch');
    const { streams } = await ed.publish([STREAM], 'x.live', {});
    await waitFor('live again', () => got.length === 2);
    assert.equal(got[1], streams[0]!.offset);
  });

  test('a socket that stops answering is detected within 2 heartbeats + slack, closed and replaced', async () => {
    const ed = await edge({ HERALD_HEARTBEAT: '1s' });
    const { rec, herald } = client(ed.ws, () => ed.token({}), { reconnect: { baseMs: 50 } });
    const got: number[] = [];
    herald.subscribe({ ...ACCOUNT, onMessage: (_e, m) => got.push(m.offset!) });
    await waitFor('open', () => herald.status === 'open');
    await sleep(1300);
    assert.ok(rec.sent('ping').length >= 1, 'pings every welcome.heartbeat seconds');
    rec.silence(); // TCP fine, but nothing reaches the client any more
    const silentAt = Date.now();
    await waitFor('dead socket detected', () => rec.sockets.length >= 2, 6000);
    const detectedIn = Date.now() - silentAt;
    // Silence began 0–1 s after the last pong, and the deadline is 2 × 1 s + 1 s after it; the rest is timer slack under load.
    assert.ok(detectedIn >= 1900 && detectedIn <= 4000, `detected after ${detectedIn} ms (bound: 2 × 1 s + 1 s)`);
    await waitFor('open again', () => herald.status === 'open');
    await waitFor('server closed the dead one', () => ed.server.connectionCount === 1);
    const { streams } = await ed.publish([STREAM], 'x.after', {});
    await waitFor('events flow on the new socket', () => got.includes(streams[0]!.offset));
  });

  test('offline → status offline, no attempts; online → reconnect at once; visible → reconnect now instead of waiting out the backoff', async () => {
    const ed = await edge();
    const env = new FakeEnvironment();
    // A long backoff window, and the top of it: only a signal brings the socket back quickly.
    const { rec, herald, statuses } = client(ed.ws, () => ed.token({}), { environment: env, reconnect: { baseMs: 20_000 }, random: () => 0.99 });
    const story = () => `statuses ${statuses.join(' > ')}; sockets ${rec.sockets.map((s) => `[${s.received.map((f) => f['type']).join(',')} closed ${s.close?.code ?? '-'}]`).join(' ')}`;
    herald.subscribe({ ...ACCOUNT, onMessage: () => undefined });
    await waitFor('open', () => herald.status === 'open');
    env.emit('offline');
    assert.equal(herald.status, 'offline');
    await holdsFor('no attempt while offline', () => rec.sockets.length === 1 && herald.status === 'offline', 500);
    const onlineAt = Date.now();
    env.emit('online');
    // "At once" against a backoff of ~20–30 s: the bound leaves room for a loaded CI machine.
    await waitFor(() => `open after online (${story()})`, () => herald.status === 'open', 10_000);
    assert.ok(Date.now() - onlineAt < 10_000);
    assert.equal(rec.sockets.length, 2);

    for (const s of ed.server.sessions()) s.close(4010, 'draining');
    await waitFor('waiting out a long backoff', () => herald.status === 'reconnecting');
    await sleep(200);
    assert.equal(rec.sockets.length, 2, 'still waiting');
    const visibleAt = Date.now();
    env.emit('visible');
    await waitFor(() => `open after visible (${story()})`, () => herald.status === 'open', 10_000);
    assert.ok(Date.now() - visibleAt < 10_000, 'long before the ~30 s backoff would have ended');
    assert.equal(rec.sockets.length, 3);
    herald.disconnect();
    assert.equal(env.listeners, 0, 'disconnect() removes the signal listeners');
  });

  test('close codes: 4010 and 4008 wait the server hint (retryAfterMs) plus jitter, 4000 stops', async () => {
    const ed = await edge();
    const { rec, herald } = client(ed.ws, () => ed.token({}), { reconnect: { baseMs: 100 }, random: () => 0.5 });
    herald.subscribe({ ...ACCOUNT, onMessage: () => undefined });
    await waitFor('open', () => herald.status === 'open');
    /** Close from the server; returns [the delay until the next socket, the disconnect frame's hint]. */
    const reopen = async (code: number, reason: string): Promise<[number, number | undefined]> => {
      const before = rec.sockets.length;
      const at = Date.now();
      for (const s of ed.server.sessions()) s.close(code, reason);
      await waitFor(`reopened after ${code}`, () => rec.sockets.length === before + 1, 8000);
      const delay = Date.now() - at;
      await waitFor('open', () => herald.status === 'open');
      const hint = rec.sockets[before - 1]!.received.find((f) => f['type'] === 'disconnect')?.['retryAfterMs'] as number | undefined;
      return [delay, hint];
    };
    // Attempt n waits hint + 0.5 × 100 ms × 2^n (no reset: each connection lived less than resetAfterMs).
    const [draining, drainHint] = await reopen(4010, 'draining');
    const [limited, limitHint] = await reopen(4008, 'rate_limited');
    const hints = [drainHint ?? 0, limitHint ?? 0];
    assert.ok(draining >= hints[0]! + 50 && draining < hints[0]! + 50 + 700, `4010: ${draining} ms, hint ${drainHint}`);
    if (limitHint !== undefined) assert.ok(limitHint >= 1000, 'the server asks for a real back-off after a limit');
    const ownWindow = limitHint === undefined ? 800 : 200; // without a hint the client widens the window itself
    assert.ok(limited >= hints[1]! + ownWindow / 2 && limited < hints[1]! + ownWindow / 2 + 700, `4008: ${limited} ms, hint ${limitHint}`);
    for (const s of ed.server.sessions()) s.close(4000, 'binary_frames_not_supported');
    await waitFor('stopped', () => herald.status === 'stopped');
    await holdsFor('no reconnect after 4000', () => rec.sockets.length === 3, 600);
    herald.connect(); // an explicit connect leaves `stopped`
    await waitFor('open after connect()', () => herald.status === 'open' && rec.sockets.length === 4);
  });

  test('maxAttempts exhausted → stopped', async () => {
    const port = await freePort(); // nothing listens
    const { rec, herald, statuses } = client(`ws://127.0.0.1:${port}`, () => 'token', { reconnect: { baseMs: 20, maxAttempts: 3 } });
    herald.connect();
    await waitFor('stopped', () => herald.status === 'stopped', 5000);
    assert.equal(rec.sockets.length, 4, 'the first attempt and 3 retries');
    assert.deepEqual(statuses, ['connecting', 'reconnecting', 'stopped']);
  });

  test('a disconnect frame: retryAfterMs is a lower bound for the next attempt; reconnect:false stops', async () => {
    const port = await freePort();
    const wss = new WebSocketServer({ host: '127.0.0.1', port, handleProtocols: () => 'herald.v1.json' });
    cleanups.unshift(() => new Promise((r) => wss.close(r)));
    const connections: number[] = [];
    wss.on('connection', (ws) => {
      connections.push(Date.now());
      ws.send(JSON.stringify({ type: 'welcome', heartbeat: 25, expiresAt: null }));
      const n = connections.length;
      setTimeout(() => {
        ws.send(JSON.stringify({ type: 'disconnect', reason: 'draining', reconnect: n === 1, retryAfterMs: 700 }));
        ws.close(4010, 'draining');
      }, 50);
    });
    const { herald } = client(`ws://127.0.0.1:${port}`, () => 'token', { reconnect: { baseMs: 10 } });
    herald.connect();
    await waitFor('second connection', () => connections.length === 2, 5000);
    const gap = connections[1]! - connections[0]! - 50;
    assert.ok(gap >= 650, `waited ${gap} ms, not the ≤10 ms backoff`);
    await waitFor('reconnect:false → stopped', () => herald.status === 'stopped');
    await holdsFor('no third connection', () => connections.length === 2, 500);
  });
});
