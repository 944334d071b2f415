/**
 * The console page's script (bundled with @herald/client by ../bundle.ts and inlined into the page).
 * It holds no socket code of its own: the SDK connects, authenticates (bearer subprotocol), pings,
 * reconnects with backoff, resubscribes with `since` and drops replayed duplicates. The page adds
 * development tokens, the channel picker, the subscription list and the event log.
 */
import { createHeraldClient, stableJson, type ChannelRef, type EventEnvelope, type EventMeta, type HeraldClient, type Status, type SubscriptionError } from '@herald/client';
import { $, clear, el, inputValue, setNote } from './dom.js';
import { clearLog, logEvent, notice } from './log.js';
import { labelOf, loadChannels, renderParams, renderQuick, requestFromForm, type Default } from './picker.js';

interface Sub {
  readonly key: string;
  readonly ref: ChannelRef;
  readonly label: string;
  /** `pending`: waiting for the connection (or a retry); `rejected`: refused for good. */
  state: 'pending' | 'rejected';
  message: string;
  /** Streams this subscription delivered from, and the last offset seen (undefined: live only). */
  readonly streams: Map<string, number | undefined>;
  unsubscribe: (() => void) | undefined;
}

/** What the page shows before any client exists (and the SDK's own word for a closed client). */
type ConnState = Status | 'closed';

const FINAL: readonly ConnState[] = ['closed', 'stopped', 'auth_error'];

const config = readConfig();
const defaults: readonly Default[] = Array.isArray(config.defaults) ? config.defaults : [];
const subs = new Map<string, Sub>();
let client: HeraldClient | undefined;
let conn: ConnState = 'closed';
/** Our token came from /v1/dev/token, so a fresh one can be minted when it expires. */
let devTokens = false;
/** One event delivered to several of our subscriptions (overlapping streams) is logged once. */
let lastLogged: unknown;
let renderQueued = false;

function readConfig(): { defaults?: Default[] } {
  try {
    return (JSON.parse($('herald-config').textContent || '{}') as { defaults?: Default[] } | null) ?? {};
  } catch {
    return {};
  }
}

const keyOf = (ref: ChannelRef): string => ('channelId' in ref ? ref.channelId : `${ref.channel}::${stableJson(ref.params ?? {})}`);
const wsUrl = (): string => `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;

// ---------- tokens ----------

async function getDevToken(): Promise<string | null> {
  const body = {
    sub: inputValue('token-user') || 'demo-user',
    account: inputValue('token-account'),
    permissions: $<HTMLInputElement>('token-permissions').value.split(',').map((p) => p.trim()).filter(Boolean),
  };
  setNote('token-note', 'requesting a development token…');
  try {
    const res = await fetch('/v1/dev/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status === 404) {
      devTokens = false;
      setNote('token-note', 'Development tokens are disabled on this server: paste a token signed for it below.', true);
      $('token').focus();
      return null;
    }
    const data = (await res.json()) as { token?: unknown; expiresAt?: unknown; message?: string } | null;
    if (!res.ok || typeof data?.token !== 'string') {
      setNote('token-note', `Token request failed: ${data?.message ?? res.status}`, true);
      return null;
    }
    $<HTMLTextAreaElement>('token').value = data.token;
    devTokens = true;
    const until = typeof data.expiresAt === 'number' ? ` (expires ${new Date(data.expiresAt).toLocaleTimeString()})` : '';
    setNote('token-note', `Development token for ${body.sub}${body.account ? ` @ ${body.account}` : ''}${until}`);
    return data.token;
  } catch (err) {
    setNote('token-note', `Token request failed: ${String(err)}`, true);
    return null;
  }
}

/** The SDK asks on every connect, before expiry, and after the server said the token expired. */
async function getToken({ reason }: { reason: 'connect' | 'refresh' | 'expired' }): Promise<string> {
  if (reason !== 'connect' && devTokens) {
    if (reason === 'expired') notice('token expired: fetching a new development token');
    const fresh = await getDevToken();
    if (fresh) return fresh;
  }
  const token = inputValue('token') || (await getDevToken());
  if (!token) throw new Error(reason === 'expired' ? 'token expired: paste a fresh token and connect' : 'no token: get a development token or paste one');
  return token;
}

// ---------- connection ----------

const DETAIL: Partial<Record<ConnState, string>> = {
  reconnecting: 'connection lost, reconnecting with backoff',
  offline: 'the browser is offline; waiting for the network',
  stopped: 'closed by the server; not reconnecting (Connect to try again)',
  auth_error: 'no usable token (Connect to try again)',
};

function setConn(state: ConnState): void {
  const previous = conn;
  conn = state;
  const badge = $('conn-state');
  badge.setAttribute('data-state', state);
  badge.textContent = state;
  $('conn-detail').textContent = DETAIL[state] ?? '';
  $<HTMLButtonElement>('connect').disabled = !FINAL.includes(state);
  $<HTMLButtonElement>('disconnect').disabled = client === undefined || state === 'closed';
  $('conn-info').textContent = state === 'open' ? `connected to ${wsUrl()} with @herald/client` : '';
  if (state === 'reconnecting' && previous === 'open') notice('connection lost: reconnecting; subscriptions resume from their last offsets');
  if (state === 'stopped') notice('connection closed by the server; not reconnecting', true);
  if (state === 'auth_error') notice(`could not get a token${devTokens ? '' : ': paste one, or get a development token'}`, true);
  scheduleRender();
}

function connect(): void {
  if (client && (conn === 'stopped' || conn === 'auth_error')) return client.retry();
  if (client && conn !== 'closed') return;
  const c = createHeraldClient({
    url: wsUrl(),
    getToken,
    // One socket per console tab: easier to reason about while debugging than one shared by all tabs.
    crossTab: false,
    logger: { warn: (message, fields) => notice(fields ? `${message} ${JSON.stringify(fields)}` : message, true) },
  });
  client = c;
  c.onStatus((s) => {
    if (client === c) setConn(s);
  });
  for (const sub of subs.values()) attach(sub);
  c.connect();
}

function disconnect(): void {
  if (!client) return;
  client.disconnect(); // says 'closed' and forgets every subscription: a new client is made on Connect
  for (const sub of subs.values()) {
    sub.unsubscribe = undefined;
    if (sub.state !== 'rejected') sub.state = 'pending';
  }
  setConn('closed');
}

// ---------- subscriptions ----------

function attach(sub: Sub): void {
  if (!client) return;
  sub.state = 'pending';
  sub.message = '';
  sub.unsubscribe = client.subscribe({
    ...sub.ref,
    onMessage: (event, meta) => onEvent(sub, event, meta),
    onError: (error) => onSubError(sub, error),
  });
}

function onEvent(sub: Sub, event: EventEnvelope, meta: EventMeta): void {
  sub.streams.set(meta.stream, meta.offset ?? sub.streams.get(meta.stream));
  if (event !== lastLogged) {
    lastLogged = event;
    logEvent(event, meta);
  }
  scheduleRender();
}

function onSubError(sub: Sub, error: SubscriptionError): void {
  if (error.type === 'rejected') {
    notice(`rejected ${sub.label}: ${error.reason} ${error.message}${error.retryable ? ' (retrying)' : ''}`, true);
    sub.message = `${error.reason}${error.message ? `: ${error.message}` : ''}${error.retryable ? ' (retrying)' : ''}`;
    if (!error.retryable) {
      sub.state = 'rejected';
      sub.unsubscribe = undefined;
    }
  } else if (error.type === 'unsubscribed') {
    notice(`${sub.label} ended by the server: ${error.reason}`, true);
    subs.delete(sub.key);
  } else {
    notice(`${sub.label}: could not resume ${error.streams.join(', ')} (history gone or epoch changed); events may have been missed, refetch state`, true);
  }
  render();
}

function addSubscription(ref: ChannelRef): void {
  const key = keyOf(ref);
  const existing = subs.get(key);
  if (existing && existing.state !== 'rejected') return;
  existing?.unsubscribe?.();
  const sub: Sub = existing ?? { key, ref, label: labelOf(ref), state: 'pending', message: '', streams: new Map(), unsubscribe: undefined };
  subs.set(key, sub);
  if (!client || conn === 'closed') connect();
  else {
    attach(sub);
    if (conn === 'stopped' || conn === 'auth_error') client.retry();
  }
  render();
}

function removeSubscription(sub: Sub): void {
  sub.unsubscribe?.();
  subs.delete(sub.key);
  render();
}

/** `active` once the connection is open and the server has not refused (the SDK resubscribes by itself). */
function shownState(sub: Sub): string {
  if (sub.state === 'rejected') return 'rejected';
  return conn === 'open' && sub.unsubscribe ? 'active' : 'pending';
}

function scheduleRender(): void {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    render();
  });
}

/** Rendered list items by subscription key: updated in place, so a click is never lost to a re-render. */
const items = new Map<string, { li: HTMLElement; status: HTMLElement; streams: HTMLElement }>();

function render(): void {
  const list = $('subscriptions');
  for (const [key, item] of items) {
    if (subs.has(key)) continue;
    item.li.remove();
    items.delete(key);
  }
  list.querySelector(':scope > li.note')?.remove();
  if (subs.size === 0) list.appendChild(el('li', { class: 'note' }, ['No subscriptions yet.']));
  for (const sub of subs.values()) {
    let item = items.get(sub.key);
    if (!item) {
      const button = el('button', { type: 'button', class: 'unsubscribe', title: 'Unsubscribe' }, ['Unsubscribe']);
      button.addEventListener('click', () => removeSubscription(sub));
      const status = el('div', { class: 'status' });
      const streams = el('div', { class: 'streams' });
      const li = el('li', { class: 'subscription', 'data-key': sub.key }, [el('div', { class: 'title' }, [el('span', null, [sub.label]), button]), status, streams]);
      list.appendChild(li);
      item = { li, status, streams };
      items.set(sub.key, item);
    }
    const state = shownState(sub);
    item.li.setAttribute('data-status', state);
    item.status.textContent = state + (sub.message ? ` — ${sub.message}` : '');
    const streams = [...sub.streams].map(([stream, offset]) => el('div', { 'data-stream': stream }, [`${stream}  ${offset === undefined ? '(live)' : `@ ${offset}`}`]));
    clear(item.streams);
    for (const s of streams) item.streams.appendChild(s);
  }
}

// ---------- wiring ----------

$('get-token').addEventListener('click', () => void getDevToken());
$('connect').addEventListener('click', connect);
$('disconnect').addEventListener('click', disconnect);
$('subscribe').addEventListener('click', () => {
  const ref = requestFromForm();
  if (ref) addSubscription(ref);
});
$('channel-select').addEventListener('change', () => renderParams(defaults));
$('clear-events').addEventListener('click', clearLog);
$('token').addEventListener('input', () => {
  devTokens = false;
});

setConn('closed');
renderQuick(defaults, addSubscription);
render();
loadChannels(defaults, addSubscription);

// For tests and the curious: a read-only peek at the console's state.
(window as unknown as { heraldConsole: unknown }).heraldConsole = {
  state: () => ({
    conn,
    subscriptions: [...subs.values()].map((s) => ({ label: s.label, status: shownState(s), streams: Object.fromEntries(s.streams) })),
  }),
};
