import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { BrowserContext, Page } from 'playwright-core';
import { API_KEY, startTestEdge, type TestEdge } from '../support/edge.js';
import { launchChromium } from '../support/browser.js';
import { publishLoop } from '../support/publish-loop.js';

/**
 * @herald/client in headless Chromium, bundled from source into one classic script, on pages of
 * the edge's own origin (Chromium refuses sockets from address-less pages, and the edge's origin
 * check lets its own origin in). Two pages of one context are two tabs of one browser profile:
 * they share BroadcastChannel and Web Locks, so with cross-tab on they share one socket.
 */

const ENTRY = fileURLToPath(new URL('../../packages/client/src/index.ts', import.meta.url));
const ACCOUNT = { channel: 'AiOrchestrationChannel', params: { type: 'account', id: 'acct-1' } };
const STREAM = 'ai_orchestration:account:acct-1';

/** What each page records: statuses, event offsets, subscription errors. */
const HARNESS_JS = `
window.h = {
  statuses: [], offsets: [], errors: [], subs: {},
  start(url, token, crossTab, ref) {
    this.client = HeraldClient.createHeraldClient({ url, getToken: () => token, crossTab, reconnect: { baseMs: 100 } });
    this.client.onStatus((s) => this.statuses.push(s));
    this.subs.main = this.client.subscribe({ ...ref, onMessage: (e, m) => this.offsets.push(m.offset), onError: (e) => this.errors.push(e) });
  },
  sub(name, ref) { this.subs[name] = this.client.subscribe({ ...ref, onMessage: () => {} }); },
  unsub(name) { this.subs[name](); },
  perform(...args) {
    return this.client.perform(...args).then((result) => ({ result }), (e) => ({ code: e.code, name: e.name }));
  },
};`;

interface Harness {
  statuses: string[];
  offsets: number[];
  errors: unknown[];
  client: { status: string; disconnect(): void };
  start(url: string, token: string, crossTab: boolean | { name: string }, ref: object): void;
  sub(name: string, ref: object): void;
  unsub(name: string): void;
  perform(channel: string, params: object, action: string, data: object): Promise<{ result?: Record<string, unknown>; code?: string; name?: string }>;
}
type Win = { h: Harness };

let bundle: string;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let edge: TestEdge;
let users = 0;

describe('@herald/client in Chromium: one socket per user across tabs', () => {
  const contexts: BrowserContext[] = [];
  before(async () => {
    const out = await build({ entryPoints: [ENTRY], bundle: true, format: 'iife', globalName: 'HeraldClient', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent' });
    bundle = out.outputFiles[0]!.text;
    [browser, edge] = await Promise.all([launchChromium(), startTestEdge()]);
  });
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close();
    const deadline = Date.now() + 5000;
    while (edge.server.connectionCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  });
  after(async () => {
    await browser?.cleanup();
    await edge?.stop();
  });

  /** A browser profile for one user; `tab()` opens a page in it with the client and the harness loaded. */
  async function profile(crossTab: boolean | { name: string }) {
    const context = await browser.newContext();
    contexts.push(context);
    const sub = `browser-user-${process.pid}-${++users}`;
    const token = await edge.token({ sub });
    return {
      sub,
      async tab(): Promise<Page> {
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(String(e)));
        if (process.env['HERALD_TEST_LOG']) page.on('console', (m) => process.stderr.write(`[page] ${m.text()}\n`));
        await page.goto(`${edge.http}/healthz`);
        await page.addScriptTag({ content: bundle });
        await page.addScriptTag({ content: HARNESS_JS });
        await page.evaluate(([url, t, ct, ref]) => (window as unknown as Win).h.start(url as string, t as string, ct as boolean, ref as object), [`${edge.ws}/ws`, token, crossTab, ACCOUNT] as const);
        assert.deepEqual(errors, []);
        return page;
      },
    };
  }

  const state = (page: Page) => page.evaluate(() => ({ status: (window as unknown as Win).h.client.status, statuses: (window as unknown as Win).h.statuses, offsets: (window as unknown as Win).h.offsets, errors: (window as unknown as Win).h.errors }));
  const until = async (page: Page, what: string, pred: string, timeout = 10_000) => {
    try {
      await page.waitForFunction(`(() => { const h = window.h; return ${pred}; })()`, undefined, { timeout, polling: 20 });
    } catch (err) {
      throw new Error(`${what}: ${String(err).split('\n')[0]}; state ${JSON.stringify(await state(page).catch(() => 'page gone'))}`);
    }
  };
  const waitConnections = async (n: number, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (edge.server.connectionCount !== n) {
      if (Date.now() > deadline) throw new Error(`expected ${n} sockets on the edge, have ${edge.server.connectionCount}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const subscriptionsOnEdge = () => [...edge.server.sessions()].reduce((n, s) => n + s.subscriptionCount, 0);

  test('two tabs with cross-tab on share ONE socket and one server subscription; both receive every event', async () => {
    const user = await profile({ name: 'herald:shared' });
    const a = await user.tab();
    await until(a, 'tab A open', `h.client.status === 'open'`);
    const b = await user.tab();
    await until(b, 'tab B open (the leader told it)', `h.client.status === 'open'`);
    assert.equal(await a.evaluate(() => typeof navigator.locks?.request), 'function', 'Web Locks on a loopback origin');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(edge.server.connectionCount, 1, 'one socket for two tabs');
    assert.equal(subscriptionsOnEdge(), 1, 'two tabs holding one key: one server subscription');
    const offsets: number[] = [];
    for (let i = 0; i < 3; i++) offsets.push((await edge.publish([STREAM], 'agent.updated', { i })).streams[0]!.offset);
    for (const page of [a, b]) await until(page, 'three events', `h.offsets.length === 3`);
    assert.deepEqual((await state(a)).offsets, offsets);
    assert.deepEqual((await state(b)).offsets, offsets);
  });

  test('a follower tab performs through the leader; unsubscribe is refcounted across tabs', async () => {
    const conv = `conv-browser-client-${process.pid}`;
    await edge.owners.setOwner('ai_conversation', conv, 'acct-1');
    const CONV = { channel: 'AiConversationChannel', params: { conversation_id: conv } };
    const user = await profile({ name: 'herald:perform' });
    const a = await user.tab();
    await until(a, 'tab A open', `h.client.status === 'open'`);
    const b = await user.tab();
    await until(b, 'tab B open', `h.client.status === 'open'`);
    for (const p of [a, b]) await p.evaluate((ref) => (window as unknown as Win).h.sub('conv', ref), CONV);
    const waitSubs = async (n: number) => {
      const deadline = Date.now() + 5000;
      while (subscriptionsOnEdge() !== n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} server subscriptions, have ${subscriptionsOnEdge()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await waitSubs(2); // account + conversation, each once for two tabs

    const ok = await b.evaluate((ref) => (window as unknown as Win).h.perform(ref.channel, ref.params, 'send_message', { content: 'from tab B' }), CONV);
    assert.equal(ok.result?.['status'], 'ai_response_queued', JSON.stringify(ok));
    const bad = await b.evaluate((ref) => (window as unknown as Win).h.perform(ref.channel, ref.params, 'dance', {}), CONV);
    assert.deepEqual(bad, { code: 'unknown_action', name: 'HeraldError' });

    await b.evaluate(() => (window as unknown as Win).h.unsub('conv'));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(subscriptionsOnEdge(), 2, 'tab A still holds the conversation');
    await a.evaluate(() => (window as unknown as Win).h.unsub('conv'));
    await waitSubs(1);
    assert.equal(edge.server.connectionCount, 1);
  });

  test('closing the leader tab: the follower takes over the socket, no event lost or duplicated while events keep coming', async (t) => {
    const user = await profile({ name: 'herald:takeover' });
    const a = await user.tab();
    await until(a, 'tab A open', `h.client.status === 'open'`);
    const b = await user.tab();
    const c = await user.tab();
    for (const p of [b, c]) await until(p, 'followers open', `h.client.status === 'open'`);
    assert.equal(edge.server.connectionCount, 1);

    const pub = publishLoop(async (n) => (await edge.publish([STREAM], 'agent.execution.progress', { n })).streams[0]!.offset, 15);
    const { acked } = pub;
    await until(b, 'events flowing', `h.offsets.length >= 15`);
    const oldSockets = new Set(edge.server.sessions());
    const closedAt = Date.now();
    await a.close(); // the leader's locks are released with its document
    const deadline = Date.now() + 10_000;
    const sessions = () => [...edge.server.sessions()];
    while (!(sessions().length === 1 && !oldSockets.has(sessions()[0]!))) {
      if (Date.now() > deadline) throw new Error(`no takeover: ${sessions().length} sockets on the edge`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const statusB = await state(b);
    t.diagnostic(`new socket ${Date.now() - closedAt} ms after the leader closed; tab B went ${statusB.statuses.slice(1).join(' → ')}`);
    await new Promise((r) => setTimeout(r, 500));
    await pub.stop();
    for (const p of [b, c]) await until(p, `all ${acked.length} events`, `h.offsets.length >= ${acked.length}`, 10_000);
    await new Promise((r) => setTimeout(r, 200));
    for (const p of [b, c]) {
      const s = await state(p);
      for (let i = 1; i < s.offsets.length; i++) assert.ok(s.offsets[i]! > s.offsets[i - 1]!, `in order, no duplicate: ${s.offsets[i - 1]} then ${s.offsets[i]}`);
      assert.deepEqual(s.offsets, acked, 'exactly the published events');
      assert.deepEqual(s.errors, []);
      assert.equal(s.status, 'open');
    }
    assert.equal(edge.server.connectionCount, 1, 'one socket again, on the new leader');
    assert.equal(subscriptionsOnEdge(), 1);
  });

  test('disconnect() in the leader tab (logout there): it leaves, the other tab takes over the socket', async () => {
    const user = await profile({ name: 'herald:leader-logout' });
    const a = await user.tab();
    await until(a, 'tab A open', `h.client.status === 'open'`);
    const b = await user.tab();
    await until(b, 'tab B open', `h.client.status === 'open'`);
    const before = new Set(edge.server.sessions());
    await a.evaluate(() => (window as unknown as Win).h.client.disconnect());
    assert.equal((await state(a)).status, 'closed');
    const deadline = Date.now() + 10_000;
    while (!(edge.server.connectionCount === 1 && !before.has([...edge.server.sessions()][0]!))) {
      if (Date.now() > deadline) throw new Error(`no takeover: ${edge.server.connectionCount} sockets`);
      await new Promise((r) => setTimeout(r, 10));
    }
    await until(b, 'tab B open on its own socket', `h.client.status === 'open'`);
    const { streams } = await edge.publish([STREAM], 'agent.updated', {});
    await until(b, 'events reach B', `h.offsets.includes(${streams[0]!.offset})`);
    assert.ok(!(await state(a)).offsets.includes(streams[0]!.offset), 'the logged-out tab gets nothing');
  });

  test('4003 (revoked) stops both tabs; closing the leader afterwards does not revive the socket', async () => {
    const user = await profile({ name: 'herald:revoked' });
    const a = await user.tab();
    await until(a, 'tab A open', `h.client.status === 'open'`);
    const b = await user.tab();
    await until(b, 'tab B open', `h.client.status === 'open'`);
    const res = await fetch(`${edge.http}/v1/admin/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'user', value: user.sub, reason: 'test' }),
    });
    assert.equal(res.status, 200);
    for (const p of [a, b]) await until(p, 'stopped', `h.client.status === 'stopped'`);
    await waitConnections(0);
    await a.close();
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal((await state(b)).status, 'stopped', 'the new leader inherits the final state');
    assert.equal(edge.server.connectionCount, 0, 'no reconnect from either tab');
  });

  test('the browser going offline: status offline, no attempts; back online: reconnect at once and resume', async () => {
    const user = await profile({ name: 'herald:offline' });
    const a = await user.tab();
    await until(a, 'open', `h.client.status === 'open'`);
    const first = (await edge.publish([STREAM], 'agent.updated', { when: 'online' })).streams[0]!.offset;
    await until(a, 'first event', `h.offsets.includes(${first})`);
    await a.context().setOffline(true);
    await until(a, 'offline', `h.client.status === 'offline'`);
    await waitConnections(0);
    const missed: number[] = [];
    for (let i = 0; i < 3; i++) missed.push((await edge.publish([STREAM], 'agent.updated', { when: 'offline', i })).streams[0]!.offset);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(edge.server.connectionCount, 0, 'no attempts while offline');
    await a.context().setOffline(false);
    await until(a, 'open again', `h.client.status === 'open'`, 5000);
    await until(a, 'missed events replayed', `${JSON.stringify(missed)}.every((o) => h.offsets.includes(o))`);
    assert.deepEqual((await state(a)).offsets, [first, ...missed]);
  });

  test('cross-tab off: each tab has its own socket', async () => {
    const user = await profile(false);
    const a = await user.tab();
    const b = await user.tab();
    for (const p of [a, b]) await until(p, 'open', `h.client.status === 'open'`);
    await waitConnections(2);
    const { streams } = await edge.publish([STREAM], 'agent.updated', {});
    for (const p of [a, b]) await until(p, 'event', `h.offsets.includes(${streams[0]!.offset})`);
    await a.evaluate(() => (window as unknown as Win).h.client.disconnect());
    await waitConnections(1);
  });
});
