// Drives the console page in headless Chromium against a small fake edge (HTTP
// + native-protocol WebSocket), to check the client script's behaviour: token,
// connect, picker, subscribe, event log, escaping, cap, resume after a drop.
// Skipped when no Chromium is installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { renderConsolePage } from '@herald/console';
import { FakeEdge, TOKEN } from './fake-edge.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const connState = (page: Page) => page.getAttribute('#conn-state', 'data-state');

test('console page in Chromium: token, connect, subscribe, events, resume, cap, disconnect', { skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}` }, async () => {
  const html = renderConsolePage({
    title: 'Test console',
    defaults: [
      { channel: 'AiOrchestrationChannel', params: { type: 'account', id: 'demo' } },
      { channel: 'agent', params: { id: 'demo-agent-researcher' } },
    ],
  });
  const edge = new FakeEdge(html);
  const base = await edge.listen();
  const profile = mkdtempSync(join(tmpdir(), 'herald-console-'));
  let context: BrowserContext | undefined;
  const errors: string[] = [];
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(base);
    assert.equal(await connState(page), 'closed');
    assert.equal(await page.inputValue('#token-user'), 'demo-user');
    assert.equal(await page.inputValue('#token-account'), 'demo');

    // Picker from /v1/channels: path channels left out, enum → select, default preselected.
    await until(async () => (await page.locator('#channel-select option').count()) === 3, 'channel options');
    assert.equal(await page.inputValue('#channel-select'), 'AiOrchestrationChannel');
    assert.equal(await page.locator('#params select[data-param="type"] option').count(), 2);
    assert.equal(await page.textContent('#channel-description'), 'orchestration <b>events</b>');

    await page.click('#get-token');
    await until(async () => (await page.inputValue('#token')) === TOKEN, 'dev token in the field');
    assert.deepEqual(edge.of('http:dev-token')[0]?.['body'], { sub: 'demo-user', account: 'demo', permissions: [] });

    await page.click('#connect');
    await until(async () => (await connState(page)) === 'open', 'open');
    assert.deepEqual(edge.protocols[0], ['herald.v1.json', `bearer.${TOKEN}`]);

    await page.selectOption('#params select[data-param="type"]', 'account');
    await page.fill('#params input[data-param="id"]', 'demo');
    await page.click('#subscribe');
    await until(() => edge.of('subscribe').length === 1, 'subscribe frame');
    const sub = edge.of('subscribe')[0]!;
    assert.equal(sub['channel'], 'AiOrchestrationChannel');
    assert.deepEqual(sub['params'], { type: 'account', id: 'demo' });
    assert.equal(sub['since'], undefined);
    await until(async () => (await page.getAttribute('#subscriptions .subscription', 'data-status')) === 'active', 'active subscription');

    const stream = 'ai_orchestration:account:demo';
    edge.event(stream, 'workflow.run.created', { workflow_run: { id: 'r-1' } });
    edge.event(stream, 'workflow.run.status.changed', { workflow_run: { id: 'r-1', status: '<img src=x onerror=alert(1)>' } });
    const last = edge.event(stream, 'workflow.run.completed', { workflow_run: { id: 'r-1', status: 'completed' } });
    // A live (unstored) event: no offset. Events of streams nobody subscribed to are not shown (the SDK routes by stream).
    edge.event(stream, 'ai_response_streaming', { chunk: 'hi' }, true);
    edge.event('ai_streaming:conversation:c-1', 'not.subscribed', { chunk: 'hi' }, true);
    await until(async () => (await page.locator('#events .event').count()) === 4, 'four events');
    assert.deepEqual(await page.locator('#events .event').evaluateAll((els) => els.map((e) => e.getAttribute('data-event'))), ['ai_response_streaming', 'workflow.run.completed', 'workflow.run.status.changed', 'workflow.run.created']);
    assert.equal(await page.locator('#events .event[data-event="not.subscribed"]').count(), 0);
    assert.equal(await page.locator('#events .event[data-event="ai_response_streaming"]').getAttribute('data-offset'), null, 'live events carry no offset');
    assert.equal(await page.locator('#events img').count(), 0, 'payload text is not markup');
    assert.match((await page.textContent('#events .event[data-event="workflow.run.status.changed"] pre')) ?? '', /"status": "<img src=x onerror=alert\(1\)>"/);
    assert.match((await page.textContent('#events .event[data-event="workflow.run.completed"]')) ?? '', new RegExp(`${stream}.*#${last}`));
    assert.match((await page.textContent('#subscriptions')) ?? '', new RegExp(`@ ${last}`));

    // Quick button for a channel-id default.
    await page.click('#quick button[data-index="1"]');
    await until(() => edge.of('subscribe').length === 2, 'channel-id subscribe');
    assert.equal(edge.of('subscribe')[1]!['channelId'], 'agent:demo-agent-researcher');

    // An unexpected drop: reconnect with backoff, resubscribe with since = last offsets.
    edge.current.terminate();
    await until(async () => (await connState(page)) !== 'open', 'noticed the drop');
    await until(() => edge.sockets.length === 2 && edge.of('subscribe').length === 4, 'reconnect and resubscribe');
    await until(async () => (await connState(page)) === 'open', 'open again');
    const resumed = edge.of('subscribe').slice(2).find((f) => f['channel'] === 'AiOrchestrationChannel')!;
    // Per-stream form of `since` (docs/protocol.md), as @herald/client sends it.
    assert.deepEqual(resumed['since'], { epoch: 'e1', streams: { [stream]: last } });
    const resumedAgent = edge.of('subscribe').slice(2).find((f) => f['channelId'] === 'agent:demo-agent-researcher')!;
    assert.deepEqual(resumedAgent['since'], { epoch: 'e1', streams: { 'agent:demo-agent-researcher': last } }, 'position from its subscribed answer');
    // A replayed duplicate is not shown twice.
    edge.current.send(JSON.stringify({ type: 'event', stream, epoch: 'e1', offset: last, event: { event: 'duplicate', payload: {} } }));

    // Unsubscribe from the list.
    await page.click('#subscriptions .subscription[data-key^="AiOrchestrationChannel"] .unsubscribe');
    await until(() => edge.of('unsubscribe').length === 1, 'unsubscribe frame');
    assert.deepEqual(edge.of('unsubscribe')[0], { type: 'unsubscribe', channel: 'AiOrchestrationChannel', params: { type: 'account', id: 'demo' } });
    assert.equal(await page.locator('#subscriptions .subscription').count(), 1);

    // The log keeps the newest 500 events.
    // (On the agent stream: the orchestration subscription is gone, and only subscribed streams are shown.)
    for (let i = 0; i < 520; i++) edge.event('agent:demo-agent-researcher', `bulk.${i}`, { i });
    await until(async () => (await page.getAttribute('#events .event', 'data-event')) === 'bulk.519', 'bulk events');
    assert.equal(await page.locator('#events > li').count(), 500);
    assert.equal(await page.locator('#events .event[data-event="duplicate"]').count(), 0);

    // Disconnect: closed, and it stays closed.
    await page.click('#disconnect');
    await until(async () => (await connState(page)) === 'closed', 'closed');
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(edge.sockets.length, 2, 'no reconnect after disconnect');

    // A 4003 from the server is final too: the SDK says `stopped`.
    await page.click('#connect');
    await until(async () => (await connState(page)) === 'open' && edge.sockets.length === 3, 'open a third time');
    edge.current.close(4003, 'revoked');
    await until(async () => (await connState(page)) === 'stopped', 'stopped by 4003');
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(edge.sockets.length, 3, 'no reconnect after 4003');

    assert.deepEqual(errors, []);

    // Without development tokens the page asks for a pasted token.
    edge.devTokens = false;
    await page.click('#get-token');
    await until(async () => /paste/i.test((await page.textContent('#token-note')) ?? ''), '404 note');
  } finally {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
    await edge.close();
  }
});
