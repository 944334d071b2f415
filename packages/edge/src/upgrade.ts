import { randomBytes } from 'node:crypto';
import { extractToken, type AuthError, type Identity } from '@herald/auth';
import type { ChannelRef } from '@herald/protocol';
import type { SessionOptions } from '@herald/session';
import type { HttpRequest, HttpResponse, us_socket_context_t } from 'uWebSockets.js';
import type { Dialect } from './dialects.js';
import { authenticate, authenticateNow } from './authenticate.js';
import { respondError, track } from './http.js';
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

/**
 * The HTTP → WebSocket upgrade: origin check, token extraction and
 * verification, all answered with a JSON 4xx before any socket exists.
 * Headers are read before the first await (uWS frees the request after it).
 */
export function handleUpgrade(ctx: EdgeContext, endpoint: DialectEndpoint, res: HttpResponse, req: HttpRequest, context: us_socket_context_t): void {
  const reply = track(res);
  const origin = req.getHeader('origin');
  const host = req.getHeader('host');
  const key = req.getHeader('sec-websocket-key');
  const extensions = req.getHeader('sec-websocket-extensions');
  const url = req.getUrl();
  const { dialect } = endpoint;
  // Parsed once: the token may be in it, and `?inbox=manual` (the client subscribes the Inbox channel
  // itself, to resume it with `since`).
  const query = new URLSearchParams(req.getQuery() ?? '');
  const automatic = dialect.automatic && query.get('inbox') !== 'manual';
  const creds = extractToken({
    query,
    authorization: req.getHeader('authorization'),
    protocolHeader: req.getHeader('sec-websocket-protocol'),
    cookie: req.getHeader('cookie'),
  });

  const refuse = (status: number, reason: string, message: string): void => {
    ctx.deps.metrics.authFailure(reason);
    ctx.deps.log.debug('upgrade refused', { reason, status, origin: origin || undefined });
    respondError(reply, status, status === 401 ? 'unauthorized' : 'refused', message, { reason });
  };

  if (ctx.draining) return refuse(503, 'draining', 'this server is draining; connect to another');
  if (ctx.deps.config.limits.maxConnections > 0 && ctx.connectionCount >= ctx.deps.config.limits.maxConnections) {
    return refuse(503, 'capacity', 'connection limit reached; retry with backoff');
  }
  if (!isOriginAllowed(origin, host, ctx.deps.config.allowedOrigins)) return refuse(401, 'origin_not_allowed', `origin ${origin} is not allowed`);
  const wanted = dialect.subprotocol;
  if (wanted !== undefined && creds.protocols.length > 0 && !creds.protocols.includes(wanted)) {
    return refuse(400, 'unsupported_subprotocol', `offer the ${wanted} subprotocol`);
  }
  const subprotocol = wanted !== undefined && creds.protocols.length > 0 ? wanted : '';

  /** Token refused: HTTP 401, or for dialects whose clients expect it, an upgrade that only says so. */
  const refuseToken = (reason: string, message: string): void => {
    if (!endpoint.dialect.refusal || reply.aborted) return refuse(401, reason, message);
    ctx.deps.metrics.authFailure(reason);
    ctx.deps.log.debug('upgrade refused in-band', { reason, dialect: dialect.codec.name });
    reply.aborted = true;
    res.cork(() => res.upgrade(endpoint.refused(reason), key, subprotocol, extensions, context));
  };
  if (!creds.token) return refuseToken('missing_token', 'a token is required (?token=, Authorization: Bearer, or a bearer.<jwt> subprotocol)');

  /** `inHandler`: still in the upgrade handler, which uWS has corked; after a JWKS fetch we cork. */
  const accept = (identity: Identity, inHandler: boolean): void => {
    let initial: ChannelRef | undefined;
    if (dialect.pathIsSubscription) {
      const resolved = ctx.deps.catalog.resolvePath(url, identity);
      if (!resolved.ok) return refuse(resolved.reason === 'unknown_channel' ? 404 : 400, resolved.reason, resolved.message);
      initial = { channel: resolved.def.name, params: resolved.params };
    }
    reply.aborted = true; // the upgrade is this request's response
    const id = nextConnectionId();
    const userData = endpoint.createSession(id, identity, { automatic, ...(initial ? { initial } : {}) });
    if (inHandler) res.upgrade(userData, key, subprotocol, extensions, context);
    else res.cork(() => res.upgrade(userData, key, subprotocol, extensions, context));
  };

  // Authenticated in this handler whenever the key is at hand (secret, PEM): the upgrade completes
  // synchronously, which avoids uWS.js v20.30's async cork-and-upgrade path closing the new
  // socket right after open (see @herald/auth jws-sync.ts), and costs no threadpool round trip.
  let identity: Identity | undefined;
  try {
    identity = authenticateNow(ctx.deps, creds.token);
  } catch (err) {
    return refuseToken((err as AuthError).reason, (err as AuthError).message);
  }
  if (identity) return accept(identity, true);
  authenticate(ctx.deps, creds.token).then(
    (verified) => {
      if (!reply.aborted) accept(verified, false);
    },
    (err: AuthError) => {
      if (!reply.aborted) refuseToken(err.reason, err.message);
    },
  );
}
