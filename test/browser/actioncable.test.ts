import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page, WebSocket as PageSocket } from 'playwright-core';
import { launchChromium } from '../support/browser.js';
import type { TestEdge } from '../support/edge.js';
import type { Frame } from '../support/client.js';
import { startRestartableTestEdge, startTestEdgeOn } from '../support/actioncable.js';

/**
 * The official `@rails/actioncable` client in Debian's Chromium, as a Rails frontend loads it: its
 * UMD build (the `ActionCable` global) in a page on the edge's own origin, the browser's native
 * WebSocket, nothing shimmed. Frames are observed with Playwright's WebSocket events, not by
 * wrapping the client.
 *
 * The page is a real response of the edge (`/healthz`) with the scripts added to it. A page made up
 * by Playwright's router would not do: it has no address space, so Chromium's Local Network Access
 * checks treat its socket to 127.0.0.1 as public → local and block it (ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS).
 */

const CLIENT_JS = readFileSync(createRequire(import.meta.url).resolve('@rails/actioncable'), 'utf8'); // app/assets/javascripts/actioncable.js

/** In-page recorder: one consumer with a URL function, and every callback of every subscription. */
const HARNESS_JS = `
window.harness = {
  urlCalls: 0,
  subs: {},
  start(base, token) {
    this.base = base;
    this.token = token;
    this.consumer = ActionCable.createConsumer(() => {
      this.urlCalls++;
      return this.base + '/cable?token=' + this.token;
    });
  },
  subscribe(name, params) {
    const rec = { connected: [], disconnected: [], received: [], rejected: 0 };
    this.subs[name] = rec;
    rec.subscription = this.consumer.subscriptions.create(params, {
      connected(data) { rec.connected.push(data); },
      disconnected(data) { rec.disconnected.push(data); },
      received(data) { rec.received.push(data); },
      rejected() { rec.rejected++; },
    });
    return rec.subscription.identifier;
  },
  state(name) {
    const r = this.subs[name];
    return { identifier: r.subscription.identifier, connected: r.connected, disconnected: r.disconnected, received: r.received, rejected: r.rejected };
  },
};
`;

interface SubState {
  identifier: string;
  connected: { reconnected: boolean }[];
  disconnected: { willAttemptReconnect: boolean }[];
  received: Frame[];
  rejected: number;
}
interface Harness {
  urlCalls: number;
  start(base: string, token: string): void;
  subscribe(name: string, params: Record<string, unknown>): string;
  state(name: string): SubState;
  subs: Record<string, SubState & { subscription: { perform(action: string, data: Record<string, unknown>): boolean } }>;
  consumer: { disconnect(): void; connection: { monitor: { isRunning(): boolean } } };
}
type Win = { harness: Harness; ActionCable: { logger: { enabled: boolean } } };

/** The sockets the page opened, with the frames both ways. */
interface SocketLog {
  url: string;
  sent: Frame[];
  received: Frame[];
  closed: boolean;
}
function watchSockets(page: Page): SocketLog[] {
  const sockets: SocketLog[] = [];
  page.on('websocket', (ws: PageSocket) => {
    const log: SocketLog = { url: ws.url(), sent: [], received: [], closed: false };
    sockets.push(log);
    const parse = (payload: string | Buffer) => JSON.parse(payload.toString()) as Frame;
    ws.on('framesent', (f) => log.sent.push(parse(f.payload)));
    ws.on('framereceived', (f) => log.received.push(parse(f.payload)));
    ws.on('close', () => (log.closed = true));
  });
  return sockets;
}

test('official ActionCable client in Chromium: subscribe, receive, perform, rejection, reconnect after an edge restart', async (t) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    let edge: TestEdge = await startRestartableTestEdge();
    cleanups.push(() => edge.stop());
    const port = edge.port;
    const conv = `conv-browser-${process.pid}`;
    const theirs = `conv-theirs-${process.pid}`;
    await edge.owners.setOwner('ai_conversation', conv, 'acct-1');
    await edge.owners.setOwner('ai_conversation', theirs, 'acct-other');

    const browser = await launchChromium();
    cleanups.unshift(() => browser.cleanup());
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    if (process.env['HERALD_TEST_LOG']) page.on('console', (m) => process.stderr.write(`[page] ${m.text()}\n`));
    const sockets = watchSockets(page);
    // A page on the edge's origin (the Origin check lets same-host pages in), the client loaded as a classic script.
    await page.goto(`${edge.http}/healthz`);
    await page.addScriptTag({ content: CLIENT_JS });
    await page.addScriptTag({ content: HARNESS_JS });
    await page.evaluate((log) => void ((window as unknown as Win).ActionCable.logger.enabled = log), Boolean(process.env['HERALD_TEST_LOG']));

    const state = (name: string) => page.evaluate((n) => (window as unknown as Win).harness.state(n), name);
    const until = async (what: string, pred: string, timeout = 10_000) => {
      try {
        await page.waitForFunction(`(() => { const h = window.harness; return ${pred}; })()`, undefined, { timeout, polling: 20 });
      } catch (err) {
        throw new Error(`${what}: ${String(err)}\nsubs: ${JSON.stringify(await page.evaluate(() => Object.keys((window as unknown as Win).harness.subs).map((k) => (window as unknown as Win).harness.state(k))))}`);
      }
    };

    // Connect and subscribe: one allowed, one forbidden conversation, one unknown channel.
    await page.evaluate(([ws, token]) => (window as unknown as Win).harness.start(ws!, token!), [edge.ws, await edge.token({})]);
    const convId = await page.evaluate((id) => (window as unknown as Win).harness.subscribe('conv', { channel: 'AiConversationChannel', conversation_id: id }), conv);
    await page.evaluate((id) => (window as unknown as Win).harness.subscribe('theirs', { channel: 'AiConversationChannel', conversation_id: id }), theirs);
    await page.evaluate(() => (window as unknown as Win).harness.subscribe('unknown', { channel: 'NoSuchChannel' }));
    await until('connected and two rejections', `h.subs.conv.connected.length === 1 && h.subs.theirs.rejected === 1 && h.subs.unknown.rejected === 1`);
    assert.equal(edge.server.connectionCount, 1, 'the page holds one real socket on the edge');
    assert.equal(sockets[0]!.url, `${edge.ws}/cable?token=${new URL(sockets[0]!.url).searchParams.get('token')}`);
    assert.equal(sockets[0]!.received[0]!['type'], 'welcome');

    // A published event reaches received as the envelope.
    await edge.publish([`ai_conversation:${conv}`], 'message_created', { content: 'from the server' });
    await until('published event', `h.subs.conv.received.some((m) => m.payload && m.payload.content === 'from the server')`);
    const first = (await state('conv')).received[0]!;
    assert.deepEqual([Object.keys(first), first['event'], first['payload']], [['event', 'payload', 'timestamp'], 'message_created', { content: 'from the server' }]);

    // perform send_message → the queued answer, then the streamed reply.
    assert.equal(await page.evaluate(() => (window as unknown as Win).harness.subs['conv']!.subscription.perform('send_message', { content: 'hi from chromium' })), true);
    await until('ai_response_complete', `h.subs.conv.received.some((m) => m.event === 'ai_response_complete')`, 15_000);
    const afterPerform = (await state('conv')).received;
    const status = afterPerform.find((m) => m['status'] === 'ai_response_queued');
    assert.ok(status && typeof status['message_id'] === 'string', JSON.stringify(afterPerform));
    const names = afterPerform.filter((m) => typeof m['event'] === 'string').map((m) => m['event'] as string);
    assert.match(names.join(' '), /^message_created message_created ai_response_queued (ai_response_streaming ){2,}ai_response_complete$/, names.join(' '));
    assert.match(afterPerform.find((m) => m['event'] === 'ai_response_complete')!['payload']['content'], /hi from chromium/);

    // Rejections stay final: rejected once, never connected.
    for (const name of ['theirs', 'unknown']) {
      const s = await state(name);
      assert.deepEqual([s.rejected, s.connected.length], [1, 0], name);
    }

    // Restart the edge on the same port: server_restart with reconnect true, then the client's own
    // ConnectionMonitor reopens (6–18 s later: it polls every 6–12 s and only reopens a connection
    // silent for over 6 s whose disconnect is over 6 s old) and re-subscribes on welcome.
    const stoppedAt = Date.now();
    await edge.stop();
    await until('disconnected', `h.subs.conv.disconnected.length === 1`);
    assert.deepEqual((await state('conv')).disconnected, [{ willAttemptReconnect: true }]);
    assert.deepEqual(sockets[0]!.received.filter((f) => f['type'] === 'disconnect'), [{ type: 'disconnect', reason: 'server_restart', reconnect: true }]);
    edge = await startTestEdgeOn(port);
    await edge.owners.setOwner('ai_conversation', conv, 'acct-1');
    await until('reconnected and re-subscribed', `h.subs.conv.connected.length === 2`, 25_000);
    t.diagnostic(`reconnected ${Date.now() - stoppedAt} ms after the restart`);
    assert.deepEqual((await state('conv')).connected, [{ reconnected: false }, { reconnected: true }]);
    assert.equal(sockets.length, 2, 'one new socket');
    assert.equal(edge.server.connectionCount, 1);
    // On the new socket the client re-subscribed only what it still holds: not the rejected ones.
    assert.deepEqual([...new Set(sockets[1]!.sent.filter((f) => f['command'] === 'subscribe').map((f) => f['identifier']))], [convId]);
    await edge.publish([`ai_conversation:${conv}`], 'message_created', { content: 'after restart' });
    await until('event on the restarted edge', `h.subs.conv.received.some((m) => m.payload && m.payload.content === 'after restart')`);

    await page.evaluate(() => (window as unknown as Win).harness.consumer.disconnect());
    await until('closed', `!h.consumer.connection.monitor.isRunning()`);
    const deadline = Date.now() + 5000;
    while (edge.server.connectionCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(edge.server.connectionCount, 0, 'consumer.disconnect() closed the socket');
    assert.deepEqual(errors, []);
  } finally {
    for (const c of cleanups) await c().catch(() => undefined);
  }
});
