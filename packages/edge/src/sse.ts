import { extractToken, type AuthError, type Identity } from '@herald/auth';
import {
  parseLastEventId,
  type ChannelRef,
  type SincePosition,
  type SseResume,
} from '@herald/protocol';
import type { Session, SessionOptions, SessionSocket } from '@herald/session';
import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { parseObject } from './api-auth.js';
import { authenticate } from './authenticate.js';
import type { EdgeContext } from './context.js';
import { DIALECTS } from './dialects.js';
import { respondJson, track } from './http.js';
import { SseConnection, SseTopics } from './sse-connection.js';
import { isOriginAllowed, nextConnectionId } from './upgrade.js';

export { SseConnection, SseTopics };

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
    const parsed = parseObject(json);
    if (!parsed) return 'params must be a JSON object';
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
      identity = await authenticate(deps, creds.token as string);
    } catch (err) {
      return refuse(401, (err as AuthError).reason, (err as AuthError).message);
    }
    if (reply.aborted) return;
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
