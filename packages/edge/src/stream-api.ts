import type { AuthError, Identity } from '@herald/auth';
import { validateStreamName } from '@herald/protocol';
import type { HttpRequest, TemplatedApp } from 'uWebSockets.js';
import { authorizeApi } from './api-auth.js';
import { authenticate } from './authenticate.js';
import type { EdgeContext } from './context.js';
import { decodeParam, respond, respondError, respondJson, track, type Reply } from './http.js';
import { withTimeout } from '@herald/session';

/**
 * Reading streams over plain HTTP: `GET /v1/streams/{stream}/history` and
 * `/last`. Backends call them with the API key; clients that cannot hold a
 * socket (or want to refetch after `recovered: false`) call them with their
 * own JWT, and then the stream must be readable by that identity: some catalog
 * channel that reads it must allow them, exactly as a subscription would.
 */
export function registerStreamApi(app: TemplatedApp, ctx: EdgeContext): void {
  streamRoute(app, ctx, '/v1/streams/:stream/history', (reply, stream, query) => {
    const since = Number(query.get('since') ?? '0');
    const limit = Math.min(1000, Math.max(1, Number(query.get('limit') ?? '100')));
    const epoch = query.get('epoch') ?? ctx.deps.bus.epoch();
    if (!Number.isSafeInteger(since) || since < 0 || !Number.isFinite(limit)) return respondError(reply, 400, 'bad_request', 'since must be a non-negative integer offset');
    ctx.deps.bus.read(stream, { epoch, offset: since }, limit).then(
      (r) => {
        // Envelopes are spliced in as stored: no parse/stringify of payloads.
        const events = r.events.map((e) => `{"offset":${e.offset},"event":${e.data}}`).join(',');
        respond(reply, 200, `{"stream":${JSON.stringify(stream)},"epoch":${JSON.stringify(r.epoch)},"head":${r.head},"recovered":${r.recovered},"events":[${events}]}`);
      },
      (err: unknown) => respondError(reply, 503, 'history_unavailable', String(err)),
    );
  });

  streamRoute(app, ctx, '/v1/streams/:stream/last', (reply, stream) => {
    ctx.deps.bus.last(stream).then(
      (d) => {
        if (!d) return respondJson(reply, 404, { error: 'empty', message: 'the stream has no stored event' });
        respond(reply, 200, `{"stream":${JSON.stringify(stream)},"epoch":${JSON.stringify(d.epoch)},"offset":${d.offset},"event":${d.data}}`);
      },
      (err: unknown) => respondError(reply, 503, 'history_unavailable', String(err)),
    );
  });
}

/** A GET of one stream (`:stream` in the path): the handler runs only once the caller may read it. */
function streamRoute(app: TemplatedApp, ctx: EdgeContext, path: string, handle: (reply: Reply, stream: string, query: URLSearchParams) => void): void {
  app.get(path, (res, req) => {
    const reply = track(res);
    const stream = decodeParam(req.getParameter(0));
    const query = new URLSearchParams(req.getQuery() ?? '');
    void readable(ctx, reply, req, stream, query).then((ok) => {
      if (ok && stream !== undefined) handle(reply, stream, query);
    });
  });
}

/** A JWT: three base64url segments (two dots). API keys are free-form; one shaped like a JWT is read as one. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** The caller's JWT, if it sent one (`Authorization: Bearer <jwt>` or `?token=`); undefined = an API-key call. */
function userToken(req: HttpRequest, query: URLSearchParams): string | undefined {
  if (req.getHeader('x-herald-api-key')) return undefined;
  const bearer = /^\s*bearer\s+(\S+)\s*$/i.exec(req.getHeader('authorization'))?.[1];
  if (bearer !== undefined) return JWT_SHAPE.test(bearer) ? bearer : undefined;
  const token = query.get('token')?.trim();
  return token ? token : undefined;
}

/**
 * Whether the caller may read `stream`; answers the request itself when not (401, 403, 404, 400,
 * 503). Headers are read before the first await (uWS frees the request after it).
 */
async function readable(ctx: EdgeContext, reply: Reply, req: HttpRequest, stream: string | undefined, query: URLSearchParams): Promise<boolean> {
  const token = userToken(req, query);
  if (token === undefined && !authorizeApi(ctx, reply, req)) return false;
  const problem = stream === undefined ? 'bad stream name encoding' : validateStreamName(stream);
  if (problem || stream === undefined) {
    respondError(reply, 400, 'bad_request', problem ?? 'bad stream');
    return false;
  }
  if (token === undefined) return true; // the API key reads every stream

  let identity: Identity;
  try {
    identity = await authenticate(ctx.deps, token);
  } catch (err) {
    const { reason, message } = err as AuthError;
    ctx.deps.metrics.authFailure(reason);
    respondError(reply, 401, 'unauthorized', message, { reason });
    return false;
  }
  const readers = ctx.deps.catalog.channelsForStream(stream, identity);
  if (readers.length === 0) {
    respondError(reply, 404, 'unknown_stream', 'no channel of the catalog reads this stream');
    return false;
  }
  let unavailable = false;
  for (const r of readers) {
    try {
      const decision = await withTimeout(ctx.deps.authorizer.check({ identity, channel: r.def.name, params: r.params }), ctx.deps.config.limits.authzTimeoutMs, () => new Error('authz timed out'));
      if (decision.allow) return !reply.aborted;
      if (decision.retryable) unavailable = true;
    } catch (err) {
      ctx.deps.log.warn('authorization unavailable', { channel: r.def.name, error: err });
      unavailable = true;
    }
  }
  if (unavailable) respondError(reply, 503, 'authz_unavailable', 'authorization service unavailable, retry later');
  else respondJson(reply, 403, { error: 'forbidden', message: 'no channel that reads this stream allows this identity' });
  return false;
}

