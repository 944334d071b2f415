import { randomBytes } from 'node:crypto';
import { extractToken, type AuthError, type Identity, type QueryParams } from '@herald/auth';
import type { ChannelRef } from '@herald/protocol';
import type { SessionOptions } from '@herald/session';
import type { HttpRequest, HttpResponse, us_socket_context_t } from 'uWebSockets.js';
import type { Dialect } from './dialects.js';
import { authenticate, authenticateNow } from './authenticate.js';
import { respondError, track, type Reply } from './http.js';
import type { EdgeContext } from './context.js';

/** One dialect's route, as the upgrade handler needs it. */
export interface DialectEndpoint {
  readonly dialect: Dialect;
  /** Turn the verified identity into the socket's user data (a Session). */
  createSession(connectionId: string, identity: Identity, options: SessionOptions): unknown;
  /** User data of a socket accepted only to be told in-band that its token was refused. */
  refused(reason: string): unknown;
}

/**
 * Connection ids: a random per-process prefix and a counter. Unique across pods and restarts, and
 * cheap (a random id per connection was 3% of an authenticated connect's CPU in the connect storm).
 */
const ID_PREFIX = randomBytes(6).toString('base64url');
let idCounter = 0;
export const nextConnectionId = (): string => `${ID_PREFIX}${(++idCounter).toString(36)}`;

export function isOriginAllowed(origin: string, host: string, allowed: readonly string[]): boolean {
  if (origin === '') return true; // non-browser clients send no Origin; hijacking needs a browser
  if (allowed.includes('*') || allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === host; // same-origin pages are always welcome
  } catch {
    return false;
  }
}

/** What the upgrade needs of its request once uWS has freed it (headers are only readable in the handler). */
interface PendingUpgrade {
  readonly res: HttpResponse;
  readonly reply: Reply;
  readonly context: us_socket_context_t;
  readonly origin: string;
  readonly key: string;
  readonly extensions: string;
  readonly url: string;
  readonly subprotocol: string;
  readonly automatic: boolean;
}

/**
 * The HTTP → WebSocket upgrade: origin check, token extraction and
 * verification, all answered with a JSON 4xx before any socket exists.
 * Headers are read before the first await (uWS frees the request after it).
 * The steps are module functions over one PendingUpgrade rather than closures: this runs once per
 * connect, and closures made per call cost allocations (and, under tsx, a name each).
 */
export function handleUpgrade(ctx: EdgeContext, endpoint: DialectEndpoint, res: HttpResponse, req: HttpRequest, context: us_socket_context_t): void {
  const reply = track(res);
  const origin = req.getHeader('origin');
  const host = req.getHeader('host');
  const { dialect } = endpoint;
  // The token may be in the query, and `?inbox=manual` (the client subscribes the Inbox channel itself,
  // to resume it with `since`). uWS finds and decodes single parameters natively: cheaper than
  // parsing the whole query (URLSearchParams) on every connect.
  const query: QueryParams = { get: (name) => req.getQuery(name) };
  const creds = extractToken({
    query,
    authorization: req.getHeader('authorization'),
    protocolHeader: req.getHeader('sec-websocket-protocol'),
    cookie: req.getHeader('cookie'),
  });
  const wanted = dialect.subprotocol;
  const up: PendingUpgrade = {
    res,
    reply,
    context,
    origin,
    key: req.getHeader('sec-websocket-key'),
    extensions: req.getHeader('sec-websocket-extensions'),
    url: req.getUrl(),
    subprotocol: wanted !== undefined && creds.protocols.length > 0 ? wanted : '',
    automatic: dialect.automatic && query.get('inbox') !== 'manual',
  };

  if (ctx.draining) return refuse(ctx, up, 503, 'draining', 'this server is draining; connect to another');
  if (ctx.deps.config.limits.maxConnections > 0 && ctx.connectionCount >= ctx.deps.config.limits.maxConnections) {
    return refuse(ctx, up, 503, 'capacity', 'connection limit reached; retry with backoff');
  }
  if (!isOriginAllowed(origin, host, ctx.deps.config.allowedOrigins)) return refuse(ctx, up, 401, 'origin_not_allowed', `origin ${origin} is not allowed`);
  if (wanted !== undefined && creds.protocols.length > 0 && !creds.protocols.includes(wanted)) {
    return refuse(ctx, up, 400, 'unsupported_subprotocol', `offer the ${wanted} subprotocol`);
  }
  if (!creds.token) return refuseToken(ctx, endpoint, up, 'missing_token', 'a token is required (?token=, Authorization: Bearer, or a bearer.<jwt> subprotocol)', true);

  // Authenticated in this handler whenever the key is at hand (secret, PEM): the upgrade completes
  // synchronously, which avoids uWS.js v20.30's async cork-and-upgrade path closing the new
  // socket right after open (see @herald/auth jws-sync.ts), and costs no threadpool round trip.
  let identity: Identity | undefined;
  try {
    identity = authenticateNow(ctx.deps, creds.token);
  } catch (err) {
    ctx.deps.metrics.upgradeTokenCheck('in_handler');
    return refuseToken(ctx, endpoint, up, (err as AuthError).reason, (err as AuthError).message, true);
  }
  ctx.deps.metrics.upgradeTokenCheck(identity ? 'in_handler' : 'after_io');
  if (identity) return accept(ctx, endpoint, up, identity, true);
  authenticate(ctx.deps, creds.token).then(
    (verified) => {
      if (!reply.aborted) accept(ctx, endpoint, up, verified, false);
    },
    (err: AuthError) => {
      if (!reply.aborted) refuseToken(ctx, endpoint, up, err.reason, err.message, false);
    },
  );
}

function refuse(ctx: EdgeContext, up: PendingUpgrade, status: number, reason: string, message: string): void {
  ctx.deps.metrics.authFailure(reason);
  ctx.deps.log.debug('upgrade refused', { reason, status, origin: up.origin || undefined });
  respondError(up.reply, status, status === 401 ? 'unauthorized' : 'refused', message, { reason });
}

/** Token refused: HTTP 401, or for dialects whose clients expect it, an upgrade that only says so. */
function refuseToken(ctx: EdgeContext, endpoint: DialectEndpoint, up: PendingUpgrade, reason: string, message: string, inHandler: boolean): void {
  if (!endpoint.dialect.refusal || up.reply.aborted) return refuse(ctx, up, 401, reason, message);
  ctx.deps.metrics.authFailure(reason);
  ctx.deps.log.debug('upgrade refused in-band', { reason, dialect: endpoint.dialect.codec.name });
  completeUpgrade(up, endpoint.refused(reason), inHandler);
}

/** The options of a socket without a path subscription: shared, since every session keeps its own. */
const AUTOMATIC: SessionOptions = Object.freeze({ automatic: true });
const MANUAL: SessionOptions = Object.freeze({ automatic: false });

function accept(ctx: EdgeContext, endpoint: DialectEndpoint, up: PendingUpgrade, identity: Identity, inHandler: boolean): void {
  let initial: ChannelRef | undefined;
  if (endpoint.dialect.pathIsSubscription) {
    const resolved = ctx.deps.catalog.resolvePath(up.url, identity);
    if (!resolved.ok) return refuse(ctx, up, resolved.reason === 'unknown_channel' ? 404 : 400, resolved.reason, resolved.message);
    initial = { channel: resolved.def.name, params: resolved.params };
  }
  const options = initial ? { automatic: up.automatic, initial } : up.automatic ? AUTOMATIC : MANUAL;
  completeUpgrade(up, endpoint.createSession(nextConnectionId(), identity, options), inHandler);
}

/**
 * The upgrade is this request's response. `inHandler`: still in the upgrade handler, which uWS
 * has corked; later (after a JWKS fetch) the response must be corked first.
 */
function completeUpgrade(up: PendingUpgrade, userData: unknown, inHandler: boolean): void {
  up.reply.aborted = true;
  const { res } = up;
  if (inHandler) res.upgrade(userData, up.key, up.subprotocol, up.extensions, up.context);
  else res.cork(() => res.upgrade(userData, up.key, up.subprotocol, up.extensions, up.context));
}
