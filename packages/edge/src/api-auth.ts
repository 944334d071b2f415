import { hash, timingSafeEqual } from 'node:crypto';
import type { TraceContext } from '@herald/producer';
import type { HttpRequest, TemplatedApp } from 'uWebSockets.js';
import type { EdgeConfig } from '@herald/config';
import type { EdgeContext } from './context.js';
import { readBody, respondError, track, type Reply } from './http.js';

/**
 * A publishing POST of the API: API key, the caller's trace context, the body up to the publish
 * size limit, then `handle`. A failure `handle` did not answer is logged and answered 500, never
 * left as an unhandled rejection.
 */
export function apiPost(app: TemplatedApp, ctx: EdgeContext, path: string, handle: (reply: Reply, body: string, trace: TraceContext) => Promise<void>): void {
  app.post(path, (res, req) => {
    const reply = track(res);
    if (!authorizeApi(ctx, reply, req)) return;
    const trace = { traceparent: req.getHeader('traceparent'), tracestate: req.getHeader('tracestate') };
    readBody(reply, ctx.deps.config.limits.maxPublishBytes)
      .then((body) => (body === undefined ? undefined : handle(reply, body, trace)))
      .catch((err: unknown) => {
        ctx.deps.log.error(`${path} failed`, { error: err });
        respondError(reply, 500, 'internal', 'internal error');
      });
  });
}

/** API key check (Authorization: Bearer or X-Herald-Api-Key), constant time. Without a configured key the API is open only in development mode. */
export function authorizeApi(ctx: EdgeContext, reply: Reply, req: HttpRequest): boolean {
  const expected = ctx.deps.config.apiKey;
  const header = req.getHeader('authorization');
  const given = req.getHeader('x-herald-api-key') || (/^bearer\s+/i.test(header) ? header.replace(/^bearer\s+/i, '') : '');
  if (!expected) {
    if (ctx.deps.config.auth.developmentSecret) return true;
    ctx.deps.metrics.authFailure('api_key_not_configured');
    respondError(reply, 401, 'unauthorized', 'set HERALD_API_KEY to use the HTTP API', { reason: 'api_key_not_configured' });
    return false;
  }
  if (given && keyMatches(given, ctx.deps.config)) return true;
  ctx.deps.metrics.authFailure(given ? 'bad_api_key' : 'missing_api_key');
  respondError(reply, 401, 'unauthorized', 'a valid API key is required', { reason: given ? 'bad_api_key' : 'missing_api_key' });
  return false;
}

/** The configured key's digest, made once per edge configuration: every publish request is checked against it. */
const keyDigests = new WeakMap<EdgeConfig, Buffer>();

const sha256 = (text: string): Buffer => hash('sha256', text, 'buffer');

/** Constant time in the key's content: both sides are compared as SHA-256 digests of equal length. */
function keyMatches(given: string, config: EdgeConfig): boolean {
  let digest = keyDigests.get(config);
  if (!digest) keyDigests.set(config, (digest = sha256(config.apiKey ?? '')));
  return timingSafeEqual(sha256(given), digest);
}

export function parseObject(body: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(body);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
