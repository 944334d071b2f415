import { createVerifier, signDevToken, type TokenVerifier } from '@herald/auth';
import { DEVELOPMENT_SECRET, type EdgeConfig } from '@herald/config';
import type { Logger } from '@herald/telemetry';
import type { EdgeDeps } from './context.js';

/** The parts of an edge that embedded and cluster mode build the same way. */
export async function createEdgeVerifier(config: EdgeConfig): Promise<TokenVerifier> {
  const a = config.auth;
  return createVerifier({
    ...(a.secret ? { secret: a.secret } : {}),
    ...(a.publicKeyPem ? { publicKeyPem: a.publicKeyPem } : {}),
    ...(a.jwksUrl ? { jwksUrl: a.jwksUrl } : {}),
    ...(a.algorithms ? { algorithms: a.algorithms } : {}),
    ...(a.issuer ? { issuer: a.issuer } : {}),
    ...(a.audience ? { audience: a.audience } : {}),
    clockToleranceSec: a.clockToleranceSec,
    claims: a.claims,
  });
}

/** Console token minting, in development mode only; warns loudly that the server is not fit to expose. */
export function developmentTokens(config: EdgeConfig, log: Logger): EdgeDeps['devTokens'] {
  if (!config.auth.developmentSecret) return undefined;
  log.warn('DEVELOPMENT MODE: no HERALD_JWT_SECRET / HERALD_JWT_PUBLIC_KEY / HERALD_JWKS_URL set; tokens are signed with a public development secret and the HTTP API needs no key. Never expose this server.', {
    secret: DEVELOPMENT_SECRET,
  });
  return async (r) => {
    const ttlSec = 3600;
    const token = await signDevToken({ secret: DEVELOPMENT_SECRET, sub: r.sub, ...(r.account ? { account: r.account } : {}), permissions: r.permissions ?? [], ttlSec });
    return { token, expiresAt: Date.now() + ttlSec * 1000 };
  };
}
