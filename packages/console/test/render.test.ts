import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { Script } from 'node:vm';
import { renderConsolePage } from '@herald/console';

const inlineScripts = (html: string) => [...html.matchAll(/<script(?![^>]*application\/json)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? '');
const configBlock = (html: string) => /<script type="application\/json" id="herald-config">([\s\S]*?)<\/script>/.exec(html)?.[1];

const HOSTILE = '</script><img src=x onerror=alert(1)>&"\'\u2028';

test('renders one self-contained page with the stable element ids', () => {
  const html = renderConsolePage({});
  assert.match(html, /^<!doctype html>/);
  for (const id of ['token-user', 'token-account', 'get-token', 'token', 'connect', 'disconnect', 'conn-state', 'channel-select', 'params', 'subscribe', 'subscriptions', 'events']) {
    assert.equal(html.split(`id="${id}"`).length - 1, 1, `exactly one element with id ${id}`);
  }
  assert.match(html, /id="conn-state" data-state="closed"/);
  assert.match(html, /id="token-user" value="demo-user"/);
  assert.match(html, /id="token-account" value="demo"/);
  assert.match(html, /<title>Herald console<\/title>/);
});

test('loads nothing from elsewhere: no external URLs, no src/href resources', () => {
  const html = renderConsolePage({ defaults: [{ channel: 'AiOrchestrationChannel', params: { type: 'account', id: 'demo' } }] });
  assert.doesNotMatch(html, /https?:\/\//i);
  assert.doesNotMatch(html, /\ssrc\s*=/i);
  // The only link is an empty inline favicon (saves a 404 request).
  assert.deepEqual(html.match(/<link\b[^>]*>/gi), ['<link rel="icon" href="data:,">']);
  assert.doesNotMatch(html, /\shref\s*=\s*"(?!data:)/i);
  const css = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
  assert.ok(css.length > 0);
  assert.doesNotMatch(css, /@import|url\(/i);
  assert.doesNotMatch(html, /\bimport\s*\(/);
});

test('the inline script compiles, is a single classic script, and uses no innerHTML or eval', () => {
  const scripts = inlineScripts(renderConsolePage({}));
  assert.equal(scripts.length, 1);
  const script = scripts[0]!;
  assert.doesNotThrow(() => new Script(script, { filename: 'console.js' }));
  assert.doesNotThrow(() => new Function(script));
  assert.doesNotMatch(script, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
  assert.doesNotMatch(script, /<\/script/i);
});

test('defaults and the title are escaped; the account field is prefilled from the defaults', () => {
  const html = renderConsolePage({
    title: `Console ${HOSTILE}`,
    defaults: [
      { channel: 'NotificationChannel', params: { account_id: 'acme' } },
      { channel: 'AiConversationChannel', params: { conversation_id: HOSTILE } },
    ],
  });
  // Nothing hostile survives as markup: exactly one script tag of each kind closes.
  assert.equal(html.split('</script>').length - 1, 2);
  assert.doesNotMatch(html, /<img/i);
  assert.match(html, /<title>Console &lt;\/script&gt;&lt;img src=x onerror=alert\(1\)&gt;&amp;&quot;&#39;/);
  assert.match(html, /id="token-account" value="acme"/);

  const json = configBlock(html);
  assert.ok(json, 'config block present');
  assert.doesNotMatch(json, /[<>&\u2028]/);
  assert.match(json, /\\u003c\/script\\u003e\\u003cimg src=x onerror=alert\(1\)\\u003e\\u0026/);
  assert.deepEqual(JSON.parse(json), {
    defaults: [
      { channel: 'NotificationChannel', params: { account_id: 'acme' } },
      { channel: 'AiConversationChannel', params: { conversation_id: HOSTILE } },
    ],
  });
});

test('account prefill: {type: account, id} defaults, and an escaped attribute value', () => {
  assert.match(renderConsolePage({ defaults: [{ channel: 'MissionChannel', params: { type: 'account', id: 'a-7' } }] }), /id="token-account" value="a-7"/);
  assert.match(renderConsolePage({ defaults: [{ channel: 'NotificationChannel', params: { account_id: '"><b>' } }] }), /id="token-account" value="&quot;&gt;&lt;b&gt;"/);
});

test('the page script is the console bundled with @herald/client once per process, with no socket code of its own', async () => {
  const { consoleScript } = await import('../src/bundle.js');
  const first = consoleScript();
  assert.equal(consoleScript(), first, 'cached');
  assert.ok(inlineScripts(renderConsolePage({}))[0]!.includes(first));
  assert.match(first, /herald\.v1\.json/, "the SDK's subprotocol is in the bundle");
  const dir = new URL('../src/browser/', import.meta.url);
  for (const name of readdirSync(dir)) {
    assert.doesNotMatch(readFileSync(new URL(name, dir), 'utf8'), /WebSocket|herald\.v1/, `${name}: sockets are the SDK's business`);
  }
});
