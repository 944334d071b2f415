import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import { startTestEdge, type TestEdge } from '../support/edge.js';
import { launchChromium } from '../support/browser.js';

/**
 * @herald/react in Chromium, against a real embedded edge: a small app (packages/react/fixtures/test-app.tsx,
 * React + @herald/react + @herald/client, bundled here) renders under <StrictMode> and shows its state in
 * data attributes. The server's own count of subscriptions (/metrics) proves what the hooks did on the wire.
 */

/** What packages/react/fixtures/test-app.tsx puts on window (that file is checked by packages/react/tsconfig.json). */
declare global {
  interface Window {
    HERALD_TEST: { url: string; token: string };
    heraldTest: {
      set(controls: { conversations?: Record<string, string>; forbidden?: string | null; run?: string | null }): void;
      readonly deliveries: Record<string, number>;
      send(conversationId: string, content: string): Promise<unknown>;
      disconnect(): void;
    };
  }
}

const root = fileURLToPath(new URL('../../', import.meta.url));

async function bundleApp(): Promise<string> {
  const out = await build({
    entryPoints: [`${root}packages/react/fixtures/test-app.tsx`],
    tsconfig: `${root}packages/react/tsconfig.json`,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"development"' },
  });
  return out.outputFiles[0]!.text;
}

async function serverSubscriptions(edge: TestEdge): Promise<number> {
  const text = await (await fetch(`${edge.http}/metrics`)).text();
  const line = /^herald_subscriptions (\d+)$/m.exec(text);
  assert.ok(line, 'herald_subscriptions in /metrics');
  return Number(line[1]);
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Wait until a subscription is live end to end: publish numbered probes to `stream` until every element
 * shows the latest one. Mounting under StrictMode subscribes, unsubscribes and subscribes again, so the
 * server's count can pass through 0 first; after this nothing older is in flight either.
 */
async function live(edge: TestEdge, page: Page, stream: string, ids: string[], name = 'data-last'): Promise<void> {
  for (let n = 1; n <= 40; n++) {
    await edge.publish([stream], `probe.${n}`, {});
    const seen = await page
      .waitForFunction(([i, a, v]) => i!.every((id) => document.getElementById(id)?.getAttribute(a as string) === v), [ids, name, `probe.${n}`] as const, { timeout: 250 })
      .then(() => true, () => false);
    if (seen) return;
  }
  throw new Error(`no probe arrived on ${stream}`);
}

const subscriptionsAre = (edge: TestEdge, n: number) => until(async () => (await serverSubscriptions(edge)) === n, `${n} server subscriptions`);

/** Wait until element `#id` has attribute `attr` equal to `value`. */
async function attr(page: Page, id: string, name: string, value: string): Promise<void> {
  await page.waitForFunction(([i, n, v]) => document.getElementById(i!)?.getAttribute(n!) === v, [id, name, value], { timeout: 10_000 });
}

const deliveries = (page: Page) => page.evaluate(() => ({ ...window.heraldTest.deliveries }));
const set = (page: Page, controls: Parameters<Window['heraldTest']['set']>[0]) => page.evaluate((c) => window.heraldTest.set(c), controls);

test('@herald/react in Chromium under StrictMode: shared subscription, unmount, resubscribe, useStream, rejection, perform', async () => {
  const [edge, browser, app] = await Promise.all([startTestEdge(), launchChromium(), bundleApp()]);
  try {
    await edge.owners.setOwner('ai_conversation', 'c-1', 'acct-1');
    await edge.owners.setOwner('ai_conversation', 'c-2', 'acct-1');
    await edge.owners.setOwner('ai_conversation', 'c-other', 'acct-2');
    await edge.owners.setOwner('workflow_run', 'run-1', 'acct-1');
    const token = await edge.token({ sub: 'u1', account: 'acct-1' });

    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      // Chromium asks the edge for /favicon.ico (404): not the app's doing.
      if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) errors.push(`${m.text()} ${m.location().url}`);
    });
    // A page with an address on the edge's origin: Chromium allows its sockets and the edge's origin check passes.
    await page.goto(`${edge.http}/healthz`);
    await page.evaluate((cfg) => (window.HERALD_TEST = cfg), { url: `${edge.ws}/ws`, token });
    await page.addScriptTag({ content: app });
    await page.waitForSelector('body[data-ready="true"]');

    // Two components, one channel: one server subscription (StrictMode mounted each twice), both get every event once.
    await set(page, { conversations: { a: 'c-1', b: 'c-1' } });
    await attr(page, 'status', 'data-status', 'open');
    assert.equal(await page.getAttribute('#status', 'data-connected'), 'true');
    await live(edge, page, 'ai_conversation:c-1', ['a', 'b']);
    assert.equal(await serverSubscriptions(edge), 1);
    assert.equal(edge.server.connectionCount, 1, 'one socket for the whole app');
    let before = await deliveries(page);
    await edge.publish(['ai_conversation:c-1'], 'message_created', { content: 'one' });
    await edge.publish(['ai_conversation:c-1'], 'ai_response_complete', { content: 'two' });
    await attr(page, 'a', 'data-last', 'ai_response_complete');
    await attr(page, 'b', 'data-last', 'ai_response_complete');
    assert.equal(await page.getAttribute('#a', 'data-status'), 'open');
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(await deliveries(page), { a: before['a']! + 2, b: before['b']! + 2 }, 'each event once per handler');
    assert.equal(await page.getAttribute('#a', 'data-count'), String(before['a']! + 2), 'rendered count agrees');

    // Unmount one: the other keeps the (still single) server subscription.
    await set(page, { conversations: { a: 'c-1' } });
    await page.waitForSelector('#b', { state: 'detached' });
    await edge.publish(['ai_conversation:c-1'], 'message_created', { content: 'three' });
    await attr(page, 'a', 'data-last', 'message_created');
    assert.equal(await serverSubscriptions(edge), 1);

    // New params: subscribed to c-2, the c-1 subscription is gone (on the server and for the handler).
    await set(page, { conversations: { a: 'c-2' } });
    await attr(page, 'a', 'data-conversation', 'c-2');
    await live(edge, page, 'ai_conversation:c-2', ['a']);
    assert.equal(await serverSubscriptions(edge), 1, 'c-2 only');
    before = await deliveries(page);
    await edge.publish(['ai_conversation:c-1'], 'message_created', { content: 'not for a' });
    await edge.publish(['ai_conversation:c-2'], 'marker', {});
    await attr(page, 'a', 'data-last', 'marker');
    assert.equal((await deliveries(page))['a'], before['a']! + 1, 'nothing more from c-1');

    // A forbidden conversation: the subscription is rejected and the hook says so; the socket stays open.
    await set(page, { forbidden: 'c-other' });
    await attr(page, 'forbidden', 'data-error', 'rejected');
    assert.equal(await page.getAttribute('#forbidden', 'data-reason'), 'forbidden');
    assert.equal(await page.getAttribute('#status', 'data-status'), 'open');

    // useStream: the latest event, with `select` deriving the run's status.
    await set(page, { run: 'run-1', forbidden: null });
    await attr(page, 'run', 'data-value', 'unknown');
    await live(edge, page, 'ai_orchestration:workflow_run:run-1', ['run-latest'], 'data-event');
    assert.equal(await page.getAttribute('#run', 'data-value'), 'unknown', 'an event without a status leaves the selected state alone');
    assert.equal(await serverSubscriptions(edge), 2);
    await edge.publish(['ai_orchestration:workflow_run:run-1'], 'workflow.run.status.changed', { workflow_run: { id: 'run-1', status: 'running' } });
    const done = await edge.publish(['ai_orchestration:workflow_run:run-1'], 'workflow.run.completed', { workflow_run: { id: 'run-1', status: 'completed' } });
    await attr(page, 'run', 'data-value', 'completed');
    assert.equal(await page.getAttribute('#run', 'data-event'), 'workflow.run.completed');
    assert.equal(await page.getAttribute('#run', 'data-offset'), String(done.streams[0]!.offset));
    // Again after a status: the selected state stays, the plain useStream shows the newer event.
    await edge.publish(['ai_orchestration:workflow_run:run-1'], 'workflow.run.log', { line: 'done' });
    await attr(page, 'run-latest', 'data-event', 'workflow.run.log');
    assert.equal(await page.getAttribute('#run', 'data-value'), 'completed');
    assert.equal(await page.getAttribute('#run', 'data-event'), 'workflow.run.completed');

    // perform from a component: send_message reaches the reference backend, whose events come back on the channel.
    const result = await page.evaluate(() => window.heraldTest.send('c-2', 'hello'));
    assert.equal((result as { status?: string } | null)?.status, 'ai_response_queued', `send_message result: ${JSON.stringify(result)}`);
    await attr(page, 'a', 'data-last', 'ai_response_complete');

    // Unmount everything: no server subscriptions left, the socket stays for the next subscriber.
    await set(page, { conversations: {}, run: null });
    await subscriptionsAre(edge, 0);
    assert.equal(edge.server.connectionCount, 1);

    await page.evaluate(() => window.heraldTest.disconnect());
    await until(() => edge.server.connectionCount === 0, 'socket closed');
    await attr(page, 'status', 'data-status', 'closed');
    assert.deepEqual(errors, []);
  } finally {
    await browser.cleanup();
    await edge.stop();
  }
});
