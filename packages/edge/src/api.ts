import type { ChannelDef } from '@herald/channels';
import { EnvelopeError, parsePublishBody } from '@herald/protocol';
import type { TemplatedApp } from 'uWebSockets.js';
import { registerAdminApi } from './admin-api.js';
import { registerBroadcastApi } from './broadcast-api.js';
import { registerStreamApi } from './stream-api.js';
import { apiPost, authorizeApi, parseObject } from './api-auth.js';
import type { EdgeContext } from './context.js';
import { decodeParam, readBody, respond, respondError, respondJson, track, type Reply } from './http.js';

/**
 * HTTP on the same port as the sockets: health and metrics for operators,
 * the producer/operator API (API key), and the console in development.
 */
export function registerApi(app: TemplatedApp, ctx: EdgeContext): void {
  app.get('/healthz', (res) => respondJson(track(res), 200, { status: 'ok' }));
  app.get('/readyz', (res) => {
    const reply = track(res);
    if (ctx.draining) respondJson(reply, 503, { status: 'draining' });
    else if (ctx.deps.busConnected && !ctx.deps.busConnected()) respondJson(reply, 503, { status: 'bus_unavailable' });
    else respondJson(reply, 200, { status: 'ready', connections: ctx.connectionCount });
  });
  app.get('/metrics', (res) => {
    const reply = track(res);
    ctx.deps.metrics.registry.metrics().then(
      (text) => respond(reply, 200, text, ctx.deps.metrics.registry.contentType),
      (err: unknown) => respondError(reply, 500, 'metrics_failed', String(err)),
    );
  });

  app.get('/', (res) => {
    const reply = track(res);
    if (ctx.deps.consoleHtml) respond(reply, 200, ctx.deps.consoleHtml, 'text/html; charset=utf-8', { 'Content-Security-Policy': CONSOLE_CSP });
    else respondJson(reply, 200, { name: 'herald', endpoints: ['/ws', '/v1', '/healthz', '/readyz', '/metrics'] });
  });

  const channels = JSON.stringify({ channels: ctx.deps.catalog.list().map(describeChannel) });
  app.get('/v1/channels', (res) => respond(track(res), 200, channels));

  app.post('/v1/dev/token', (res) => {
    const reply = track(res);
    const mint = ctx.deps.devTokens;
    if (!mint) return respondError(reply, 404, 'not_found', 'development tokens are only available in development mode');
    void readBody(reply, 4096).then(async (body) => {
      if (body === undefined) return;
      const input = parseObject(body);
      if (!input || typeof input['sub'] !== 'string' || input['sub'] === '') return respondError(reply, 400, 'bad_request', 'sub is required');
      const permissions = Array.isArray(input['permissions']) ? input['permissions'].filter((p): p is string => typeof p === 'string') : [];
      const account = typeof input['account'] === 'string' && input['account'] ? input['account'] : undefined;
      respondJson(reply, 200, await mint({ sub: input['sub'], permissions, ...(account ? { account } : {}) }));
    });
  });

  apiPost(app, ctx, '/v1/publish', async (reply, body, trace) => {
    try {
      const parsed = parsePublishBody(body);
      const result = await ctx.deps.publisher.publishEnvelope(parsed.streams, parsed.envelope, trace);
      respondJson(reply, 200, result);
    } catch (err) {
      if (err instanceof EnvelopeError) return respondError(reply, 400, 'bad_request', err.message);
      ctx.deps.log.error('publish failed', { error: err });
      respondError(reply, 503, 'publish_failed', 'the event was not stored; retry');
    }
  });

  app.put('/v1/owners/:type/:id', (res, req) => {
    const reply = track(res);
    const type = decodeParam(req.getParameter(0));
    const id = decodeParam(req.getParameter(1));
    if (!authorizeApi(ctx, reply, req)) return;
    void readBody(reply, 4096).then(async (body) => {
      if (body === undefined) return;
      const input = parseObject(body);
      const account = input?.['account_id'];
      if (!type || !id || !OWNER_FIELD.test(type) || !OWNER_FIELD.test(id)) return respondError(reply, 400, 'bad_request', 'resource type and id must match [A-Za-z0-9_@.+=-]{1,128}');
      if (typeof account !== 'string' || !OWNER_FIELD.test(account)) return respondError(reply, 400, 'bad_request', 'account_id must be a string id');
      await ctx.deps.owners.setOwner(type, id, account).then(
        () => respond(reply, 204, ''),
        (err: unknown) => ownershipUnavailable(ctx, reply, err),
      );
    });
  });

  app.del('/v1/owners/:type/:id', (res, req) => {
    const reply = track(res);
    const type = decodeParam(req.getParameter(0));
    const id = decodeParam(req.getParameter(1));
    if (!authorizeApi(ctx, reply, req)) return;
    if (!type || !id) return respondError(reply, 400, 'bad_request', 'resource type and id are required');
    void ctx.deps.owners.deleteOwner(type, id).then(
      () => respond(reply, 204, ''),
      (err: unknown) => ownershipUnavailable(ctx, reply, err),
    );
  });

  // Stream reads (history, last) for backends (API key) and clients (their JWT): stream-api.ts.
  registerStreamApi(app, ctx);
  // ActionCable-shaped publishing (AnyCable's HTTP broadcaster): broadcast-api.ts.
  registerBroadcastApi(app, ctx);

  registerAdminApi(app, ctx);
  app.any('/*', (res) => respondError(track(res), 404, 'not_found', 'no such endpoint'));
}

function ownershipUnavailable(ctx: EdgeContext, reply: Reply, err: unknown): void {
  ctx.deps.log.error('ownership store unavailable', { error: err });
  respondError(reply, 503, 'ownership_unavailable', 'the ownership store did not take the change; retry');
}

const OWNER_FIELD = /^[A-Za-z0-9_@.+=-]{1,128}$/;
const CONSOLE_CSP = "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self' ws: wss:; img-src 'self' data:";


function describeChannel(def: ChannelDef) {
  return {
    name: def.name,
    kind: def.kind,
    description: def.description,
    params: def.params.fields,
    ...(def.params.exactlyOneOf ? { exactlyOneOf: def.params.exactlyOneOf } : {}),
    ...(def.path ? { path: def.path } : {}),
    history: def.history,
    actions: Object.keys(def.actions ?? {}),
  };
}

