import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { resolveClaimMapping, type ClaimMapping } from './claims.js';
import type { IdentityKind } from './identity.js';

export interface DevTokenOptions {
  /** HMAC secret, at least 32 bytes (the verifier refuses shorter ones). */
  secret: string;
  sub: string;
  account?: string;
  permissions?: string[];
  kind?: IdentityKind;
  /** Session id; a random UUID when omitted. */
  sessionId?: string;
  apiTokenId?: string;
  /** Lifetime in seconds; default 3600. */
  ttlSec?: number;
  issuer?: string;
  audience?: string;
  alg?: 'HS256' | 'HS384' | 'HS512';
  /** Claim names to write under; unset entries keep DEFAULT_CLAIMS. */
  claims?: Partial<ClaimMapping>;
  /** Additional claims; the mapped claims and iat/exp/iss/aud take precedence. */
  extra?: Record<string, unknown>;
}

const DEFAULT_TTL_SEC = 3600;

/** Writes `value` under a claim name; a dotted name becomes nested objects, as the verifier reads it. */
function writeClaim(payload: Record<string, unknown>, name: string, value: unknown): void {
  if (!name.includes('.')) {
    payload[name] = value;
    return;
  }
  const segments = name.split('.');
  const last = segments.pop() as string;
  let node = payload;
  for (const segment of segments) {
    const next = Object.hasOwn(node, segment) ? node[segment] : undefined;
    if (typeof next === 'object' && next !== null && !Array.isArray(next)) {
      node = next as Record<string, unknown>;
    } else {
      const created: Record<string, unknown> = {};
      node[segment] = created;
      node = created;
    }
  }
  node[last] = value;
}

/** Signs an HMAC token for development, tests and the CLI. Not an identity provider. */
export async function signDevToken(opts: DevTokenOptions): Promise<string> {
  if (Buffer.byteLength(opts.secret ?? '', 'utf8') < 32) throw new Error('signDevToken: secret must be at least 32 bytes');
  if (!opts.sub) throw new Error('signDevToken: sub is required');
  const ttlSec = opts.ttlSec ?? DEFAULT_TTL_SEC;
  if (!Number.isFinite(ttlSec) || ttlSec <= 0) throw new Error('signDevToken: ttlSec must be a positive number');
  const mapping = resolveClaimMapping(opts.claims);

  const payload: Record<string, unknown> = structuredClone(opts.extra ?? {});
  writeClaim(payload, mapping.user, opts.sub);
  if (opts.account !== undefined) writeClaim(payload, mapping.account, opts.account);
  if (opts.permissions !== undefined) writeClaim(payload, mapping.permissions, [...opts.permissions]);
  if (opts.kind !== undefined) writeClaim(payload, mapping.kind, opts.kind);
  writeClaim(payload, mapping.session, opts.sessionId ?? randomUUID());
  if (opts.apiTokenId !== undefined) writeClaim(payload, mapping.apiToken, opts.apiTokenId);

  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT(payload)
    .setProtectedHeader({ alg: opts.alg ?? 'HS256', typ: 'JWT' })
    .setIssuedAt(now)
    .setExpirationTime(now + Math.ceil(ttlSec));
  if (opts.issuer !== undefined) jwt = jwt.setIssuer(opts.issuer);
  if (opts.audience !== undefined) jwt = jwt.setAudience(opts.audience);
  return jwt.sign(new TextEncoder().encode(opts.secret));
}
