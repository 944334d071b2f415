// Shared helpers for the Herald k6 scripts: configuration from the environment,
// HS256 token minting, one `connect()` wrapper around a Herald socket, the
// latency / loss bookkeeping, and the publisher / owner-registration helpers.
//
// WebSocket module: k6 v1.4.x ships the event-loop WebSocket client as
// `k6/experimental/websockets`; `k6/websockets` only exists in later releases
// (on v1.4.2 importing it makes k6 try to download a custom binary). The API is
// the same, so on a newer k6 swap the import below.
import { WebSocket } from 'k6/experimental/websockets';
import http from 'k6/http';
import crypto from 'k6/crypto';
import encoding from 'k6/encoding';
import exec from 'k6/execution';
import { Counter, Rate, Trend } from 'k6/metrics';

// ---------------------------------------------------------------- configuration

/** A string from `-e NAME=…` / the environment, or `fallback`. */
export function env(name, fallback) {
  const v = __ENV[name];
  return v === undefined || v === '' ? fallback : v;
}

/** A number from the environment, or `fallback`; throws on garbage so a typo does not silently run a default test. */
export function num(name, fallback) {
  const v = env(name, undefined);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number (got ${JSON.stringify(v)})`);
  return n;
}

const trimSlash = (u) => u.replace(/\/+$/, '');

/** HTTP bases of the edges: `HERALD_URLS` (comma list) or `HERALD_URL`. */
export const HTTP_URLS = env('HERALD_URLS', env('HERALD_URL', 'http://127.0.0.1:8080'))
  .split(',')
  .map((u) => trimSlash(u.trim()))
  .filter((u) => u !== '');
if (HTTP_URLS.length === 0) throw new Error('HERALD_URL / HERALD_URLS: no edge URL given');
for (const u of HTTP_URLS) {
  if (!/^https?:\/\//.test(u)) throw new Error(`HERALD_URL(S): ${u} must start with http:// or https://`);
}

export const SECRET = env('HERALD_JWT_SECRET', '');
export const API_KEY = env('HERALD_API_KEY', '');
export const ACCOUNT = env('HERALD_ACCOUNT', 'k6');
export const TOKEN_TTL_S = num('TOKEN_TTL_S', 3600);
/** How long to wait for the welcome frame before counting the connection as failed. */
export const WELCOME_TIMEOUT_MS = num('WELCOME_TIMEOUT_MS', 10000);
/**
 * k6 (v1.4–v1.8) can drop a socket's first frame: its reader may queue the frame before the task
 * that marks the socket open, and frames arriving on a socket that is not open yet are discarded.
 * Herald sends the welcome in the same write as the 101, so that frame is the welcome. When no
 * welcome has arrived this long after `open`, the client sends a ping: the server wrote the welcome
 * before any pong, so a pong with no welcome before it proves k6 dropped the welcome.
 */
export const WELCOME_PROBE_MS = num('WELCOME_PROBE_MS', 250);
/** Application-level `{"type":"ping"}` interval on held sockets; 0 = use the welcome's `heartbeat`. */
export const PING_S = num('PING_S', 0);
export const VERBOSE = env('VERBOSE', '') !== '';

/** HTTP base of edge `i` (round-robin over HERALD_URLS). */
export function edgeFor(i) {
  return HTTP_URLS[((i % HTTP_URLS.length) + HTTP_URLS.length) % HTTP_URLS.length];
}

/** `http(s)://host` → `ws(s)://host/ws?token=…&inbox=manual`. */
export function wsUrl(httpBase, token) {
  return `${httpBase.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(token)}&inbox=manual`;
}

/** Seconds → a k6 duration string. */
export const secs = (s) => `${Math.max(0, Math.ceil(s))}s`;

/**
 * Index of this subscriber VU inside its scenario (0..VUS-1). The subscriber
 * scenarios are `per-vu-iterations` with one iteration per VU, so the
 * iteration number is a per-VU index that does not depend on how k6 numbered
 * the VUs across scenarios.
 */
export function subscriberIndex() {
  return exec.scenario.iterationInTest;
}

/** Fail early, in the init context, when the script cannot work. */
export function requireSecret() {
  if (utf8Length(SECRET) < 32) throw new Error('HERALD_JWT_SECRET is required (the edges\' HS256 secret, at least 32 bytes)');
}
export function requireApiKey() {
  if (API_KEY === '') throw new Error('HERALD_API_KEY is required (publishing and owner registration use the producer API)');
}
function utf8Length(s) {
  // UTF-8 byte length without Buffer (not available in k6).
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

// ---------------------------------------------------------------- metrics

export const connectMs = new Trend('herald_connect_ms', true); // new WebSocket() → welcome frame
export const subscribeMs = new Trend('herald_subscribe_ms', true); // subscribe sent → subscribed
export const pongMs = new Trend('herald_pong_ms', true); // {"type":"ping"} → {"type":"pong"}
export const deliveryMs = new Trend('herald_delivery_ms', true); // publisher Date.now() → subscriber Date.now()
export const errors = new Rate('herald_errors'); // failed / succeeded socket steps (connect, subscribe, unexpected close)
export const connected = new Rate('herald_connected'); // connection attempts that reached the welcome frame
export const welcomesDroppedByK6 = new Counter('herald_k6_dropped_welcomes'); // welcomes k6 discarded (WELCOME_PROBE_MS)
export const lost = new Counter('herald_lost'); // seq gaps (events never delivered)
export const duplicated = new Counter('herald_duplicated'); // seq ≤ last seen (delivered twice / out of order)
export const received = new Counter('herald_received'); // events of this run delivered to subscribers
export const fed = new Rate('herald_fed'); // subscribers that received at least one event
export const serverCloses = new Counter('herald_server_closes'); // closes the client did not ask for (tag: code)
export const published = new Counter('herald_published');
export const publishOk = new Rate('herald_publish_ok');
export const publishMs = new Trend('herald_publish_ms', true);

/** Zero samples so that count-based thresholds always have data. */
export function primeCounters() {
  lost.add(0);
  duplicated.add(0);
  received.add(0);
}

/** The thresholds every script shares; values are overridable from the environment. */
export function baseThresholds() {
  return {
    herald_connect_ms: [`p(95)<${num('CONNECT_P95_MS', 1000)}`],
    herald_errors: [`rate<${num('MAX_ERROR_RATE', 0.01)}`],
    herald_connected: [`rate>${num('MIN_CONNECTED_RATE', 0.99)}`],
  };
}
/** Thresholds of the scripts that publish and check delivery. */
export function deliveryThresholds() {
  return {
    herald_delivery_ms: [`p(95)<${num('DELIVERY_P95_MS', 500)}`, `p(99)<${num('DELIVERY_P99_MS', 1500)}`],
    herald_lost: ['count==0'],
    herald_duplicated: ['count==0'],
    herald_received: ['count>0'],
    herald_fed: [`rate>${num('MIN_FED_RATE', 0.99)}`],
    herald_publish_ok: [`rate>${num('MIN_PUBLISH_OK_RATE', 0.99)}`],
  };
}

// ---------------------------------------------------------------- tokens

function b64url(s) {
  return encoding.b64encode(s, 'rawurl');
}

/** An HS256 JWT with Herald's default claims (`sub`, `account_id`, `sid`, `iat`, `exp`, optional `permissions`). */
export function mintToken({ sub, account, sid, ttlSec = TOKEN_TTL_S, permissions, secret = SECRET }) {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    sub,
    account_id: account,
    sid: sid ?? `k6-${sub}-${now}-${Math.random().toString(36).slice(2, 10)}`,
    iat: now,
    exp: now + ttlSec,
  };
  if (permissions) claims.permissions = permissions;
  const signing = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  return `${signing}.${crypto.hmac('sha256', secret, signing, 'base64rawurl')}`;
}

// ---------------------------------------------------------------- run identity

/**
 * Called from setup(): a run id carried in every published payload, so that
 * subscribers ignore events of other runs (or other producers) on the same
 * streams.
 */
export function newRun() {
  return { run: `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}` };
}

// ---------------------------------------------------------------- sockets

const OPEN = 1;

function closeCodeOf(message) {
  const m = /close (\d{4})/.exec(String(message));
  return m ? Number(m[1]) : undefined;
}

/**
 * Opens one Herald socket on `edge` with `token`.
 *
 *   const conn = connect({ edge, token, onWelcome(conn, frame), onEvent(frame, conn), onClose(info) });
 *   conn.subscribe('TradingChannel', {}, since, (reply) => …);  // reply.type: subscribed | rejected | error
 *   conn.close();
 *
 * Metrics: herald_connect_ms (new WebSocket() → welcome), herald_subscribe_ms,
 * herald_pong_ms, herald_connected and herald_errors. A close the client did
 * not ask for (close code ≠ 1000/1001, or a `disconnect` frame) counts as an
 * error and in herald_server_closes{code}. `onClose` gets
 * `{ code, byClient, welcomed }`. Application pings run every `PING_S` (or the
 * welcome's heartbeat) seconds while the socket is open.
 */
export function connect({ edge, token, onWelcome, onEvent, onClose, name = 'herald_ws' }) {
  const started = Date.now();
  const ws = new WebSocket(wsUrl(edge, token), null, { tags: { name } });
  const pending = new Map(); // request id → { sentAt, cb }
  let nextId = 1;
  let connectCounted = false; // herald_connected recorded for this socket
  let failed = false; // herald_errors recorded for a socket-level failure
  let closeRequested = false;
  let closed = false;
  let closeCode;
  let pingTimer;
  let pingSentAt = 0;
  let openedAt = 0;
  let probeTimer;
  let probing = false; // a ping sent to learn whether k6 dropped the welcome

  const countConnect = (ok) => {
    if (connectCounted) return;
    connectCounted = true;
    connected.add(ok);
  };
  const fail = (message) => {
    countConnect(false);
    if (failed) return;
    failed = true;
    errors.add(true);
    console.warn(`herald: ${edge}: ${message}`);
  };

  const welcomeTimer = setTimeout(() => {
    if (conn.welcome || closed) return;
    fail(`no welcome within ${WELCOME_TIMEOUT_MS} ms (${openedAt ? `socket open, probe ping ${probing ? 'unanswered' : 'not sent'}` : 'socket never opened'})`);
    conn.close();
  }, WELCOME_TIMEOUT_MS);

  const conn = {
    ws,
    edge,
    welcome: undefined,
    get open() {
      return !closed && ws.readyState === OPEN;
    },
    /** Sends a subscribe; `cb(reply)` with the subscribed / rejected / error frame answering it. */
    subscribe(channel, params, since, cb) {
      if (!conn.open) return false;
      const id = nextId++;
      const frame = { type: 'subscribe', channel, params: params ?? {}, id };
      if (since) frame.since = since;
      pending.set(id, { sentAt: Date.now(), cb });
      ws.send(JSON.stringify(frame));
      return true;
    },
    ping() {
      if (!conn.open) return;
      pingSentAt = Date.now();
      ws.send('{"type":"ping"}');
    },
    /** Closes (or, while still connecting, closes once open). Safe to call twice. */
    close() {
      closeRequested = true;
      if (closed) return;
      // Closing a k6 socket that is still connecting would block the event loop until it connects.
      if (ws.readyState === OPEN) ws.close();
    },
  };

  /** The connection is established: the welcome frame arrived (or k6 dropped it and the probe proved it was sent). */
  const welcomed = (frame, at) => {
    clearTimeout(welcomeTimer);
    if (probeTimer !== undefined) clearTimeout(probeTimer);
    conn.welcome = frame;
    connectMs.add(at - started);
    countConnect(true);
    errors.add(false);
    const every = (PING_S > 0 ? PING_S : Number(frame.heartbeat) || 25) * 1000;
    pingTimer = setInterval(() => conn.ping(), every);
    if (onWelcome) onWelcome(conn, frame);
  };

  ws.addEventListener('open', () => {
    if (closeRequested) return ws.close();
    openedAt = Date.now();
    probeTimer = setTimeout(() => {
      if (conn.welcome || closed || failed) return;
      probing = true;
      conn.ping();
    }, WELCOME_PROBE_MS);
  });

  ws.addEventListener('message', (e) => {
    let frame;
    try {
      frame = JSON.parse(e.data);
    } catch {
      errors.add(true);
      console.warn(`herald: unparsable frame ${String(e.data).slice(0, 200)}`);
      return;
    }
    switch (frame.type) {
      case 'event':
        if (onEvent) onEvent(frame, conn);
        return;
      case 'welcome':
        if (conn.welcome || failed) return;
        welcomed(frame, Date.now());
        return;
      case 'pong':
        if (pingSentAt) pongMs.add(Date.now() - pingSentAt);
        pingSentAt = 0;
        if (probing && !conn.welcome && !failed) {
          // The welcome was on the wire before this pong, and k6 discarded it. It came with the 101,
          // so the socket's open time is its arrival time.
          welcomesDroppedByK6.add(1);
          welcomed({ type: 'welcome' }, openedAt);
        }
        probing = false;
        return;
      case 'subscribed':
      case 'rejected':
      case 'error': {
        const p = frame.id === undefined ? undefined : pending.get(frame.id);
        if (p) pending.delete(frame.id);
        if (frame.type === 'subscribed') {
          if (p) subscribeMs.add(Date.now() - p.sentAt);
          errors.add(false);
        } else {
          errors.add(true);
          console.warn(`herald: ${frame.type} ${frame.reason ?? frame.code ?? ''}: ${frame.message ?? ''} (${JSON.stringify(frame).slice(0, 300)})`);
        }
        if (p && p.cb) p.cb(frame);
        return;
      }
      case 'disconnect':
        console.warn(`herald: ${edge} sent disconnect (${frame.reason}, reconnect=${frame.reconnect})`);
        return;
      default:
        if (VERBOSE) console.log(`herald: frame ${e.data}`);
    }
  });

  ws.addEventListener('error', (e) => {
    closeCode = closeCodeOf(e.error) ?? closeCode;
    if (closeRequested && (closeCode === undefined || closeCode < 4000)) return; // our own close racing the server
    fail(`socket error: ${e.error}`);
  });

  ws.addEventListener('close', () => {
    if (closed) return;
    closed = true;
    clearTimeout(welcomeTimer);
    if (probeTimer !== undefined) clearTimeout(probeTimer);
    if (pingTimer !== undefined) clearInterval(pingTimer);
    if (!conn.welcome) fail('closed before the welcome frame');
    if (!closeRequested) {
      serverCloses.add(1, { code: String(closeCode ?? (conn.welcome ? 1000 : 'handshake')) });
      fail(`server closed the socket (code ${closeCode ?? 1000})`);
    }
    if (pending.size > 0) {
      errors.add(true);
      console.warn(`herald: ${edge}: ${pending.size} request(s) unanswered at close`);
      pending.clear();
    }
    if (onClose) onClose({ code: closeCode, byClient: closeRequested, welcomed: conn.welcome !== undefined });
  });

  return conn;
}

// ---------------------------------------------------------------- delivery bookkeeping

/**
 * Per-subscriber sequence check. Publishers number their events per
 * (publisher VU, stream) and publish them one at a time, so a subscriber must
 * see each such sequence strictly increasing by one from the first event it
 * sees: a jump is loss, a repeat (or step back) is a duplicate.
 */
export class Tracker {
  constructor(run) {
    this.run = run;
    this.last = new Map(); // `${stream}|${pub}` → last seq
    this.count = 0;
    this.perStream = new Map(); // stream → events of this run
    this.position = new Map(); // stream → { epoch, offset } of the last event with an offset
  }

  /** Records one event frame; returns false for frames that are not this run's. */
  observe(frame) {
    // The resume position follows every event of the stream, this run's or not.
    if (frame.offset !== undefined) this.position.set(frame.stream, { epoch: frame.epoch, offset: frame.offset });
    const p = frame.event && frame.event.payload;
    if (!p || p.run !== this.run || typeof p.seq !== 'number') return false;
    const now = Date.now();
    if (typeof p.t === 'number') deliveryMs.add(now - p.t);
    const key = `${frame.stream}|${p.pub}`;
    const last = this.last.get(key);
    if (last === undefined || p.seq > last) {
      if (last !== undefined && p.seq > last + 1) {
        lost.add(p.seq - last - 1);
        console.warn(`herald: ${frame.stream} from publisher ${p.pub}: seq ${last} → ${p.seq} (${p.seq - last - 1} lost)`);
      }
      this.last.set(key, p.seq);
    } else {
      duplicated.add(1);
      console.warn(`herald: ${frame.stream} from publisher ${p.pub}: seq ${p.seq} after ${last} (duplicate)`);
    }
    this.count++;
    this.perStream.set(frame.stream, (this.perStream.get(frame.stream) ?? 0) + 1);
    received.add(1);
    return true;
  }

  /** Remembers the head positions of a `subscribed` reply, for streams that have not delivered an event yet. */
  subscribed(reply) {
    for (const st of reply.streams ?? []) {
      if (st.offset !== undefined && !this.position.has(st.stream)) this.position.set(st.stream, { epoch: st.epoch, offset: st.offset });
    }
  }

  /** Records whether this subscriber got anything at all (on each of `streams`, when given). */
  finish(streams) {
    fed.add(streams ? streams.every((st) => (this.perStream.get(st) ?? 0) > 0) : this.count > 0);
  }
}

// ---------------------------------------------------------------- producer API

function apiParams(name) {
  return {
    headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
    tags: { name },
    timeout: '10s',
  };
}

const pubSeq = new Map(); // per VU: stream → last published seq

/**
 * Publishes one event of this run to `stream` on the publisher's edge
 * (publisher VUs stick to one edge so their own events stay ordered).
 * Payload: `{ run, pub, seq, t, ...extra }`; seq advances only on success.
 */
export function publish(data, stream, extra) {
  const seq = (pubSeq.get(stream) ?? 0) + 1;
  const payload = Object.assign({ run: data.run, pub: exec.vu.idInTest, seq, t: Date.now() }, extra);
  const res = http.post(`${edgeFor(exec.vu.idInTest)}/v1/publish`, JSON.stringify({ streams: [stream], event: 'bench', payload }), apiParams('publish'));
  const ok = res.status === 200;
  publishOk.add(ok);
  publishMs.add(res.timings.duration);
  if (ok) {
    pubSeq.set(stream, seq);
    published.add(1);
  } else {
    console.warn(`herald: publish to ${stream} failed: ${res.status} ${String(res.body).slice(0, 200)} ${res.error}`);
  }
  return ok;
}

/** Registers resource owners (PUT /v1/owners/<type>/<id>, 204), in batches; throws on failure. */
export function setOwners(type, owners /* [{ id, account }] */) {
  const BATCH = 50;
  for (let i = 0; i < owners.length; i += BATCH) {
    const reqs = owners.slice(i, i + BATCH).map((o) => ({
      method: 'PUT',
      url: `${edgeFor(0)}/v1/owners/${encodeURIComponent(type)}/${encodeURIComponent(o.id)}`,
      body: JSON.stringify({ account_id: o.account }),
      params: apiParams('owners'),
    }));
    const responses = http.batch(reqs);
    responses.forEach((r, j) => {
      if (r.status !== 204) throw new Error(`PUT owner ${type}/${owners[i + j].id} → ${r.status} ${String(r.body).slice(0, 200)} ${r.error}`);
    });
  }
}

/**
 * The publishing phases of the fan-out scripts, from env with each script's defaults: RATE
 * (events/s), DURATION (s of publishing), WARMUP and DRAIN (s before and after), PUB_VUS.
 * `scenarios(vus)` goes into `options`; subscribers hold their socket for `holdSec`.
 */
export function fanOutPlan({ rate, publisherVus }) {
  const plan = { rate: num('RATE', rate), duration: num('DURATION', 10), warmup: num('WARMUP', 3), drain: num('DRAIN', 2), publisherVus: num('PUB_VUS', publisherVus) };
  return { ...plan, holdSec: plan.warmup + plan.duration + plan.drain, scenarios: (vus) => fanOutScenarios({ vus, ...plan }) };
}

/**
 * The two scenarios of the fan-out scripts: `vus` subscribers (one long iteration each, exec
 * `subscriber`) and a publisher at `rate` events/s (exec `publisher`) that starts once the
 * subscribers had `warmup` seconds to connect.
 */
function fanOutScenarios({ vus, rate, duration, warmup, drain, publisherVus }) {
  return {
    subscribers: {
      executor: 'per-vu-iterations',
      exec: 'subscriber',
      vus,
      iterations: 1,
      maxDuration: secs(warmup + duration + drain + 60),
      gracefulStop: '10s',
    },
    publisher: {
      executor: 'constant-arrival-rate',
      exec: 'publisher',
      rate,
      timeUnit: '1s',
      duration: secs(duration),
      startTime: secs(warmup),
      preAllocatedVUs: publisherVus,
      maxVUs: publisherVus * 4,
    },
  };
}

/**
 * The fan-out scripts' subscriber: one socket on its edge, the given subscriptions (any refusal
 * closes it), held `holdSec` seconds while a Tracker checks every event; `streams` are the ones
 * that must each have delivered something (see Tracker.finish).
 */
export function subscribeAndHold(data, { index, sub, account, subscriptions, holdSec, streams }) {
  primeCounters();
  const tracker = new Tracker(data.run);
  const conn = connect({
    edge: edgeFor(index),
    token: mintToken({ sub, account }),
    onWelcome(c) {
      const bail = (reply) => {
        if (reply.type !== 'subscribed') c.close();
      };
      for (const [channel, params] of subscriptions) c.subscribe(channel, params, undefined, bail);
    },
    onEvent: (frame) => tracker.observe(frame),
    onClose() {
      clearTimeout(hold);
      tracker.finish(streams);
    },
  });
  const hold = setTimeout(() => conn.close(), holdSec * 1000);
}
