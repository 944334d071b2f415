import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestEdge } from '../support/edge.js';
import { launchChromium } from '../support/browser.js';

/**
 * The README promise, as a newcomer lives it: `npm start` (development mode,
 * demo producers), open the console, get a token, connect, subscribe, watch
 * real events arrive — in Debian's Chromium against the real uWS edge.
 */
test('console in Chromium: dev token, connect, subscribe, live demo events, unsubscribe', async () => {
  const edge = await startTestEdge({ HERALD_CONSOLE: 'true', HERALD_DEMO: 'true', HERALD_DEMO_INTERVAL: '150ms' }, { development: true });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(edge.http);
    assert.equal(await page.getAttribute('#conn-state', 'data-state'), 'closed');

    await page.click('#get-token');
    await page.waitForFunction(() => (document.querySelector('#token') as HTMLInputElement).value.split('.').length === 3);
    await page.click('#connect');
    await page.waitForSelector('#conn-state[data-state="open"]');
    assert.equal(edge.server.connectionCount, 1, 'the page holds one real socket on the edge');

    // Pick the account-wide orchestration channel in the picker built from /v1/channels.
    await page.selectOption('#channel-select', 'AiOrchestrationChannel');
    await page.selectOption('#params select[data-param="type"]', 'account');
    await page.fill('#params input[data-param="id"]', 'demo');
    await page.click('#subscribe');
    await page.waitForFunction(() => document.querySelectorAll('#events li.event').length >= 3, undefined, { timeout: 15_000 });
    const names = await page.$$eval('#events li.event', (els) => els.map((e) => e.getAttribute('data-event')));
    assert.ok(names.every((n) => /^(agent|workflow)\./.test(n ?? '')), `orchestration events only: ${names.join(', ')}`);
    const offsets = await page.$$eval('#events li.event', (els) => els.map((e) => Number(e.getAttribute('data-offset'))));
    assert.ok(offsets.every((o) => o > 0), 'stored events carry offsets');
    assert.match((await page.textContent('#subscriptions')) ?? '', /ai_orchestration:account:demo/);
    await page.screenshot({ path: process.env['HERALD_SCREENSHOT'] ?? '/tmp/herald-console.png', fullPage: true });

    // A forbidden channel is shown as rejected, the connection stays open.
    await page.selectOption('#channel-select', 'CustomerChannel');
    await page.fill('#params input[data-param="account_id"]', 'someone-else');
    await page.click('#subscribe');
    await page.waitForFunction(() => /forbidden|rejected/i.test(document.querySelector('#subscriptions')?.textContent ?? '') || /forbidden/i.test(document.querySelector('#events')?.textContent ?? ''));
    assert.equal(await page.getAttribute('#conn-state', 'data-state'), 'open');

    // Unsubscribe from the list: the edge drops the subscription, the socket stays.
    const subscriptions = async () => Number(/^herald_subscriptions (\d+)$/m.exec(await (await fetch(`${edge.http}/metrics`)).text())?.[1]);
    assert.equal(await subscriptions(), 1, 'the orchestration subscription (the rejected one is not counted)');
    await page.click('#subscriptions .subscription[data-key^="AiOrchestrationChannel"] .unsubscribe');
    await page.waitForSelector('#subscriptions .subscription[data-key^="AiOrchestrationChannel"]', { state: 'detached' });
    for (let i = 0; i < 100 && (await subscriptions()) !== 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await subscriptions(), 0, 'unsubscribed on the edge');
    assert.equal(edge.server.connectionCount, 1);

    await page.click('#disconnect');
    await page.waitForSelector('#conn-state[data-state="closed"]');
    assert.deepEqual(errors, []);
  } finally {
    await browser.cleanup();
    await edge.stop();
  }
});
