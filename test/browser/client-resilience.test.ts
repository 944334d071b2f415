import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import { launchChromium } from '../support/browser.js';
import { startSharedBusEdge, type SharedBusEdge } from '../support/shared-bus-edge.js';
import { sleep, waitFor } from '../support/wait.js';
import { publishLoop } from '../support/publish-loop.js';

/**
 * @herald/client in Chromium through the two things a user meets most: the edge restarting under
 * a live stream (the bus keeps history, as JetStream does in a cluster) and short-lived tokens.
 * The page's getToken is a Node function (exposeFunction), so tokens are fresh each time it asks.
 */

const ENTRY = fileURLToPath(new URL('../../packages/client/src/index.ts', import.meta.url));
const ACCOUNT = { channel: 'AiOrchestrationChannel', params: { type: 'account', id: 'acct-1' } };
const STREAM = 'ai_orchestration:account:acct-1';

const HARNESS_JS = `
window.h = {
  statuses: [], offsets: [], reasons: [],
  start(url) {
    this.client = HeraldClient.createHeraldClient({
      url, crossTab: false, reconnect: { baseMs: 100 },
      getToken: ({ reason }) => { this.reasons.push(reason); return window.freshToken(); },
    });
    this.client.onStatus((s) => this.statuses.push(s));
    this.client.subscribe({ ...${JSON.stringify(ACCOUNT)}, onMessage: (e, m) => this.offsets.push(m.offset) });
  },
};`;

type Harness = { statuses: string[]; offsets: number[]; reasons: string[]; client: { status: string; disconnect(): void } };
const h = (page: Page) =>
  page.evaluate(() => {
    const { statuses, offsets, reasons } = (window as unknown as { h: Harness }).h;
    return { statuses, offsets, reasons };
  });

/** Until the page has received at least `n` events (or `timeoutMs` passed: the assertion after says what is missing). */
async function received(page: Page, n: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await h(page)).offsets.length < n && Date.now() < deadline) await sleep(20);
}

describe('@herald/client in Chromium: restarts and token expiry', () => {
  let bundle: string;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let edge: SharedBusEdge;
  before(async () => {
    const out = await build({ entryPoints: [ENTRY], bundle: true, format: 'iife', globalName: 'HeraldClient', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent' });
    bundle = out.outputFiles[0]!.text;
    [browser, edge] = await Promise.all([launchChromium(), startSharedBusEdge()]);
  });
  after(async () => {
    await browser?.cleanup();
    await edge?.stop();
  });

  async function tab(ttlSec: number): Promise<Page> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.exposeFunction('freshToken', () => edge.token({ ttlSec }));
    await page.goto(`${edge.http}/healthz`);
    await page.addScriptTag({ content: bundle });
    await page.addScriptTag({ content: HARNESS_JS });
    await page.evaluate((url) => (window as unknown as { h: { start(u: string): void } }).h.start(url), `${edge.ws}/ws`);
    await page.waitForFunction(() => (window as unknown as { h: Harness }).h.client.status === 'open');
    // Open is not yet subscribed: events published before the server subscription is live are not this page's.
    await waitFor('the page subscribed', () => {
      const sessions = [...edge.server.sessions()]; // one: the previous test's page has closed by now
      return sessions.length === 1 && sessions[0]!.subscriptionCount === 1;
    });
    assert.deepEqual(errors, []);
    return page;
  }

  /** Publish every `everyMs` until stopped; the acknowledged offsets, in order. */
  const publisher = (everyMs: number) =>
    publishLoop(async (n) => (await edge.producer.publish({ streams: [STREAM], event: 'monitoring.metrics.updated', payload: { n } })).streams[0]!.offset, everyMs);

  test('edge restarted mid-stream: every acknowledged event exactly once, in order', async () => {
    const page = await tab(3600);
    const pub = publisher(15);
    await sleep(300);
    await edge.down(); // every socket closed with 4010; publishes go on into the bus
    await sleep(400);
    await edge.up();
    await page.waitForFunction(() => (window as unknown as { h: Harness }).h.statuses.filter((s) => s === 'open').length >= 2, undefined, { timeout: 10_000 });
    await sleep(300);
    await pub.stop();
    await received(page, pub.acked.length, 10_000);
    await sleep(100);
    const { offsets, statuses } = await h(page);
    assert.ok(pub.acked.length > 30, `published ${pub.acked.length}`);
    assert.deepEqual(offsets, pub.acked, 'exactly once, in order, across the restart');
    assert.ok(statuses.includes('reconnecting'));
    await page.close();
  });

  test('short-lived tokens are refreshed in band: no reconnect, no event missed', async () => {
    const page = await tab(3);
    const pub = publisher(50);
    await sleep(7000); // past two expiries of a 3 s token
    await pub.stop();
    await received(page, pub.acked.length, 5000);
    const { offsets, statuses, reasons } = await h(page);
    assert.deepEqual(offsets, pub.acked);
    assert.ok(reasons.filter((r) => r === 'refresh').length >= 2, `refreshed in band: ${reasons.join(',')}`);
    assert.deepEqual(statuses, ['connecting', 'open'], 'one socket the whole time');
    assert.equal(edge.server.connectionCount, 1);
    await page.close();
  });
});
