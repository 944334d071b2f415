import { hashToken } from '@herald/auth';
import { validateRevokeInput } from '@herald/control';
import type { TemplatedApp } from 'uWebSockets.js';
import { authorizeApi, parseObject } from './api-auth.js';
import type { EdgeContext } from './context.js';
import { readBody, respondError, respondJson, track } from './http.js';

/**
 * Operator endpoints (API key). `POST /v1/admin/revoke` closes every socket of
 * a session, user, account or API token on every pod (4003) and keeps the
 * token from reconnecting until the revocation expires.
 */
export function registerAdminApi(app: TemplatedApp, ctx: EdgeContext): void {
  app.post('/v1/admin/revoke', (res, req) => {
    const reply = track(res);
    if (!authorizeApi(ctx, reply, req)) return;
    void readBody(reply, 8192).then(async (body) => {
      if (body === undefined) return;
      const input = parseObject(body);
      if (!input) return respondError(reply, 400, 'bad_request', 'body must be a JSON object');
      // A session can be named by its raw token: only the hash is kept or sent anywhere.
      const token = input['token'];
      const value = input['kind'] === 'session' && typeof token === 'string' && input['value'] === undefined ? hashToken(token) : input['value'];
      const checked = validateRevokeInput({ kind: input['kind'], value, reason: input['reason'], ttlMs: input['ttl_ms'] });
      if (typeof checked === 'string') return respondError(reply, 400, 'bad_request', checked);
      try {
        const revocation = await ctx.deps.control.revoke(checked);
        ctx.deps.log.warn('revoked', { kind: revocation.kind, reason: revocation.reason, expiresAt: new Date(revocation.expiresAt).toISOString() });
        respondJson(reply, 200, { revocation });
      } catch (err) {
        ctx.deps.log.error('revocation failed', { error: err });
        respondError(reply, 503, 'revocation_failed', 'the revocation was not stored; retry');
      }
    });
  });
}
