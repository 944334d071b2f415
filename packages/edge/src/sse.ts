import { randomBytes } from 'node:crypto';
import { AuthError, extractToken, type Identity } from '@herald/auth';
import {
  CloseCode,
  isSseDisconnect,
  isSseUnsubscribed,
  parseLastEventId,
  readSseError,
  SSE_KEEPALIVE,
  SSE_NUDGE,
  sseOpenFrame,
  type ChannelRef,
  type SincePosition,
  type SseError,
  type SseResume,
} from '@herald/protocol';
import type { Session, SessionOptions, SessionSocket } from '@herald/session';
import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { EdgeContext } from './context.js';
import { DIALECTS } from './dialects.js';
import { respondJson, track, type Reply } from './http.js';
import { isOriginAllowed } from './upgrade.js';

/**
 * Server-Sent Events at `GET /sse`: the same session core as the WebSocket
 * dialects (auth, authz, history, resume, limits, revocation, drain, metrics),
 * over a streamed HTTP response. One subscription per response, named by the
 * query string; `Last-Event-ID` resumes it.
 */

/** The SSE codec's index in the hub's encoders: right after the WebSocket dialects. */
export const SSE_INDEX = DIALECTS.length;

/** How often idle responses get a comment line, so proxies do not time them out. */
export const SSE_KEEPALIVE_MS = 15_000;

/** What the SSE route needs from the server besides the context: sessions registered like a socket's. */
export interface SseHost extends EdgeContext {
  readonly sseTopics: SseTopics;
  /** Create the response's session, register it (revocation, drain, expiry, metrics) and open it on `socket`. */
  attachSse(connectionId: string, identity: Identity, options: SessionOptions, socket: SessionSocket): Session;
  /** The response ended or was aborted: release the session (exactly once per session). */
  detachSse(session: Session, code: number): void;
}

/** Query parameters with a meaning of their own; every other one is a channel param. */
const RESERVED = new Set(['channel', 'channelId', 'params', 'token', 'lastEventId']);

/** Connection ids of SSE sessions: a random per-process prefix and a counter, like the sockets'. */
const ID_PREFIX = `${randomBytes(6).toString('base64url')}s`;
let idCounter = 0;
const nextConnectionId = (): string => `${ID_PREFIX}${(++idCounter).toString(36)}`;

/** A WebSocket "going away": the client ended the response (closed the tab, `EventSource.close()`). */
const CLIENT_GONE = 1001;

/**
 * The topics SSE responses read. uWS topics only reach WebSockets, so the hub's fan-out hands
 * SSE topics (`s|<stream>`) to this registry instead; one frame string serves every response.
 */
export class SseTopics {
  readonly #topics = new Map<string, Set<SseConnection>>();
  readonly #open = new Set<SseConnection>();

  get size(): number {
    return this.#open.size;
  }

  add(conn: SseConnection): void {
    this.#open.add(conn);
  }

  /** The response is over: forget it everywhere. */
  remove(conn: SseConnection): void {
    this.#open.delete(conn);
    for (const topic of conn.topics) this.unsubscribe(topic, conn);
  }

  subscribe(topic: string, conn: SseConnection): boolean {
    let set = this.#topics.get(topic);
    if (!set) this.#topics.set(topic, (set = new Set()));
    if (set.has(conn)) return false;
    set.add(conn);
    conn.topics.add(topic);
    return true;
  }

  unsubscribe(topic: string, conn: SseConnection): boolean {
    const set = this.#topics.get(topic);
    conn.topics.delete(topic);
    if (!set?.delete(conn)) return false;
    if (set.size === 0) this.#topics.delete(topic);
    return true;
  }

  /** Write `frame` to every response on `topic` except `except`; false when nobody reads it. */
  publish(topic: string, frame: string, except?: SseConnection): boolean {
    const set = this.#topics.get(topic);
    if (!set) return false;
    for (const conn of set) if (conn !== except) conn.deliver(frame);
    return true;
  }

  /** One timer for every response: a comment line to each idle one. */
  keepAlive(): void {
    for (const conn of this.#open) conn.keepAlive();
  }
}

type State = 'pending' | 'streaming' | 'done';

export interface SseConnectionOptions {
  readonly maxBackpressureBytes: number;
  /** Extra response headers (CORS), on the stream and on refusals alike. */
  readonly headers: Readonly<Record<string, string>>;
  /** Called once, when the response ends or is aborted, with a WebSocket-style close code. */
  readonly onClosed: (code: number) => void;
  /** The subscription was withdrawn (access revoked) or the response fell behind: close the session. */
  readonly onClose: (code: number, reason: string) => void;
}

/**
 * A `SessionSocket` over a uWS HttpResponse. Headers are written lazily with
 * the first frame: when that frame refuses the subscription, the request is
 * answered with an HTTP status and JSON instead of a stream. `send` returns
 * 0 (written), 1 (buffered: backpressure) or 2 (dropped: over the
 * backpressure limit), as uWS sockets do.
 *
 * Buffered bytes: uWS buffers everything a chunked `write` could not send and
 * `getWriteOffset()` does not move for chunked writes, so the count is the
 * bytes written since the first write that reported backpressure; a write that
 * succeeds again means the buffer drained. When the socket turns writable an
 * empty comment line is written to flush the buffer: with `onWritable`
 * registered, uWS can leave buffered chunks unsent until the next write (seen
 * with writes made outside uWS callbacks, as NATS deliveries are); without it,
 * uWS drains by itself but then arms a 10 s timeout that ends the response.
 */
export class SseConnection implements SessionSocket {
  /** Topics this response is on (kept by SseTopics). */
  readonly topics = new Set<string>();
  #state: State = 'pending';
  #buffered = 0;
  #released = false;
  readonly #res: HttpResponse;

  constructor(
    private readonly reply: Reply,
    private readonly registry: SseTopics,
    private readonly options: SseConnectionOptions,
  ) {
    this.#res = reply.res;
    reply.onAbort = () => this.#finish(CLIENT_GONE);
    registry.add(this);
  }

  get state(): State {
    return this.#state;
  }

  send(message: string): number {
    if (this.#state === 'done' || this.reply.aborted) return 0;
    if (this.#state === 'pending') {
      const refusal = readSseError(message);
      if (refusal) {
        this.#refuse(refusal);
        return 0;
      }
      // Closed before anything was said (drain, revocation while authorizing): `end` answers with a status.
      if (isSseDisconnect(message)) return 0;
      return this.#start(message);
    }
    if (isSseUnsubscribed(message)) queueMicrotask(() => this.options.onClose(CloseCode.Forbidden, 'forbidden'));
    return this.#write(message);
  }

  /** A frame from the hub's fan-out (not through the session): a drop closes the session as too slow. */
  deliver(frame: string): void {
    if (this.send(frame) === 2) queueMicrotask(() => this.options.onClose(CloseCode.TooSlow, 'too_slow'));
  }

  keepAlive(): void {
    // A response that is still buffering is not idle; onWritable flushes it.
    if (this.#state === 'streaming' && this.#buffered === 0 && !this.reply.aborted) this.#write(SSE_KEEPALIVE);
  }

  end(code?: number, shortMessage?: string): void {
    const closeCode = code ?? CloseCode.Normal;
    if (this.#state === 'pending' && !this.reply.aborted) {
      const status = statusForClose(closeCode);
      const reason = shortMessage ?? 'closed';
      respondJson(this.reply, status, { error: reason, reason, message: `the stream was closed before it started (${reason})`, reconnect: closeCode !== CloseCode.Forbidden && closeCode !== CloseCode.BadRequest }, this.options.headers);
    } else if (this.#state === 'streaming' && !this.reply.aborted) {
      this.reply.aborted = true; // nothing touches the response after its end
      // The connection goes too: a client that comes back (EventSource does) opens a new request, maybe elsewhere.
      this.#res.cork(() => this.#res.end(undefined, true));
    }
    this.#finish(closeCode);
  }

  subscribe(topic: string): boolean {
    return this.#state !== 'done' && this.registry.subscribe(topic, this);
  }

  unsubscribe(topic: string): boolean {
    return this.registry.unsubscribe(topic, this);
  }

  publish(topic: string, message: string): boolean {
    return this.registry.publish(topic, message, this);
  }

  getBufferedAmount(): number {
    return this.#buffered;
  }

  /** The first frame is a go: 200, the event-stream headers, the retry hint, then the frame. */
  #start(first: string): number {
    this.#state = 'streaming';
    const res = this.#res;
    res.onWritable(() => this.#flush());
    let ok = true;
    res.cork(() => {
      res.writeStatus('200 OK').writeHeader('Content-Type', 'text/event-stream').writeHeader('Cache-Control', 'no-store').writeHeader('X-Accel-Buffering', 'no');
      for (const [k, v] of Object.entries(this.options.headers)) res.writeHeader(k, v);
      ok = res.write(sseOpenFrame() + first);
    });
    if (ok) return 0;
    this.#buffered += Buffer.byteLength(first);
    return 1;
  }

  #write(frame: string): number {
    if (this.#buffered > 0 && this.#buffered + Buffer.byteLength(frame) > this.options.maxBackpressureBytes) return 2;
    let ok = true;
    this.#res.cork(() => {
      ok = this.#res.write(frame);
    });
    if (ok) {
      this.#buffered = 0;
      return 0;
    }
    this.#buffered += Buffer.byteLength(frame);
    return this.#buffered > this.options.maxBackpressureBytes ? 2 : 1;
  }

  /** Writable again: a write makes uWS send what it buffered; true once everything went out. */
  #flush(): boolean {
    if (this.#state !== 'streaming' || this.reply.aborted) return true;
    let ok = true;
    this.#res.cork(() => {
      ok = this.#res.write(SSE_NUDGE);
    });
    if (ok) this.#buffered = 0;
    return ok;
  }

  /** The first frame refused the subscription: answer with an HTTP status; the session closes the rest. */
  #refuse(e: SseError): void {
    const status = e.retryable ? 503 : e.reason === 'forbidden' ? 403 : e.reason === 'unknown_channel' ? 404 : 400;
    respondJson(this.reply, status, { error: e.reason, reason: e.reason, message: e.message, retryable: e.retryable }, this.options.headers);
    this.#state = 'done';
    this.registry.remove(this);
  }

  #finish(code: number): void {
    this.#state = 'done';
    this.registry.remove(this);
    if (this.#released) return;
    this.#released = true;
    this.options.onClosed(code);
  }
}

/** The HTTP status for a session closed before its stream started. */
function statusForClose(code: number): number {
  switch (code) {
    case CloseCode.BadRequest:
      return 400;
    case CloseCode.Unauthorized:
      return 401;
    case CloseCode.Forbidden:
      return 403;
    default:
      return 503; // draining, limits, try again later
  }
}

/** The subscription a `/sse` query names, or an error message. */
export function sseChannelRef(query: URLSearchParams): ChannelRef | string {
  const channelId = query.get('channelId');
  if (channelId) return { channelId };
  const channel = query.get('channel');
  if (!channel) return 'name a subscription: ?channel=<ChannelName>&<param>=<value>…, ?channel=…&params=<JSON object>, or ?channelId=<name>:<id>';
  const params: Record<string, unknown> = {};
  for (const [k, v] of query) if (!RESERVED.has(k)) params[k] = v;
  const json = query.get('params');
  if (json !== null && json !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      return 'params must be a JSON object';
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return 'params must be a JSON object';
    Object.assign(params, parsed);
  }
  return { channel, params };
}

/**
 * Offsets are one sequence across all streams, and a store refuses a resume past a stream's own
 * head. A channel with several streams (the Inbox) resumes each at the smaller of the event id and
 * the stream's newest offset, so one id serves them all.
 */
async function resumePosition(ctx: EdgeContext, ref: ChannelRef, identity: Identity, resume: SseResume): Promise<SincePosition> {
  const since: SincePosition = { epoch: resume.epoch, offset: resume.offset };
  const resolved = ctx.deps.catalog.resolve(ref, identity);
  if (!resolved.ok || resolved.streams.length < 2 || resume.epoch !== ctx.deps.bus.epoch()) return since;
  try {
    const heads = await Promise.all(resolved.streams.map((s) => ctx.deps.bus.last(s).then((d) => (d && d.epoch === resume.epoch ? d.offset : 0))));
    return { epoch: resume.epoch, streams: Object.fromEntries(resolved.streams.map((s, i) => [s, Math.min(resume.offset, heads[i] ?? 0)])) };
  } catch {
    return since; // the session's own read says what can be recovered
  }
}

/** `GET /sse`. Register before the API's catch-all route. Returns a function that stops the keep-alive timer. */
export function registerSse(app: TemplatedApp, host: SseHost): () => void {
  app.get('/sse', (res, req) => handleSse(host, res, req.getHeader.bind(req), req.getQuery() ?? ''));
  const timer = setInterval(() => host.sseTopics.keepAlive(), SSE_KEEPALIVE_MS);
  timer.unref();
  return () => clearInterval(timer);
}

function handleSse(host: SseHost, res: HttpResponse, header: (name: string) => string, rawQuery: string): void {
  const reply = track(res);
  const { deps } = host;
  // Everything the request says is read now: uWS frees the request at the first await.
  const origin = header('origin');
  const hostHeader = header('host');
  const query = new URLSearchParams(rawQuery);
  const creds = extractToken({ query, authorization: header('authorization'), protocolHeader: '', cookie: header('cookie') });
  const lastEventId = header('last-event-id') || query.get('lastEventId') || '';
  const originOk = isOriginAllowed(origin, hostHeader, deps.config.allowedOrigins);
  // Cross-origin pages may read the stream (EventSource with or without credentials) when their origin is allowed.
  const headers: Record<string, string> = origin && originOk ? { 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true', Vary: 'Origin' } : {};

  const refuse = (status: number, reason: string, message: string): void => {
    deps.metrics.authFailure(reason);
    deps.log.debug('sse refused', { reason, status, origin: origin || undefined });
    respondJson(reply, status, { error: status === 401 ? 'unauthorized' : 'refused', message, reason }, headers);
  };
  const badRequest = (message: string): void => respondJson(reply, 400, { error: 'bad_request', message }, headers);

  if (host.draining) return refuse(503, 'draining', 'this server is draining; connect to another');
  if (deps.config.limits.maxConnections > 0 && host.connectionCount >= deps.config.limits.maxConnections) {
    return refuse(503, 'capacity', 'connection limit reached; retry with backoff');
  }
  if (!originOk) return refuse(401, 'origin_not_allowed', `origin ${origin} is not allowed`);
  const ref = sseChannelRef(query);
  if (typeof ref === 'string') return badRequest(ref);
  const resume = parseLastEventId(lastEventId, deps.bus.epoch());
  if (typeof resume === 'string') return badRequest(resume);
  if (!creds.token) return refuse(401, 'missing_token', 'a token is required (?token=, Authorization: Bearer, or the herald_token cookie)');

  void (async () => {
    let identity: Identity;
    try {
      identity = await deps.verifier.verify(creds.token as string);
    } catch (err) {
      if (err instanceof AuthError) return refuse(401, err.reason, err.message);
      deps.log.error('token verification crashed', { error: err });
      return refuse(401, 'malformed_token', 'token could not be verified');
    }
    if (reply.aborted) return;
    const revoked = deps.control.check(identity);
    if (revoked) return refuse(401, 'revoked', `this token was revoked (${revoked.kind}${revoked.reason ? `: ${revoked.reason}` : ''})`);
    const since = resume ? await resumePosition(host, ref, identity, resume) : undefined;
    if (reply.aborted) return;
    if (host.draining) return refuse(503, 'draining', 'this server is draining; connect to another');

    // The connection's callbacks need the session, which needs the connection to open on.
    const opened: { session?: Session } = {};
    const conn = new SseConnection(reply, host.sseTopics, {
      maxBackpressureBytes: deps.config.limits.maxBackpressureBytes,
      headers,
      onClosed: (code) => {
        if (opened.session) host.detachSse(opened.session, code);
      },
      onClose: (code, reason) => opened.session?.close(code, reason),
    });
    opened.session = host.attachSse(nextConnectionId(), identity, { automatic: false, initial: ref, ...(since ? { initialSince: since } : {}) }, conn);
  })().catch((err: unknown) => {
    deps.log.error('sse setup failed', { error: err });
    respondJson(reply, 500, { error: 'internal', message: 'internal error' }, headers);
  });
}
