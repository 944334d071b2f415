import { AuthError } from './errors.js';
import type { Identity, IdentityKind } from './identity.js';

/**
 * Which JWT claim holds which identity field. A name may be a dotted path
 * (`app_metadata.account_id`) that reads a nested claim; a literal top-level
 * key of the same name always wins over the path.
 */
export interface ClaimMapping {
  user: string;
  account: string;
  permissions: string;
  session: string;
  apiToken: string;
  kind: string;
}

export const DEFAULT_CLAIMS: Readonly<ClaimMapping> = Object.freeze({
  user: 'sub',
  account: 'account_id',
  permissions: 'permissions',
  session: 'sid',
  apiToken: 'api_token_id',
  kind: 'kind',
});

const KINDS: readonly IdentityKind[] = ['user', 'worker', 'service'];
const MAPPING_KEYS = ['user', 'account', 'permissions', 'session', 'apiToken', 'kind'] as const;

/**
 * DEFAULT_CLAIMS overlaid with the given names (undefined entries keep the default).
 * Throws a plain Error for an empty or non-string claim name: that is a configuration mistake.
 */
export function resolveClaimMapping(partial?: Partial<ClaimMapping>): ClaimMapping {
  const mapping: ClaimMapping = { ...DEFAULT_CLAIMS };
  for (const key of MAPPING_KEYS) {
    const name = partial?.[key];
    if (name === undefined) continue;
    if (typeof name !== 'string' || name.trim() === '') throw new Error(`claim mapping "${key}" must be a non-empty claim name`);
    mapping[key] = name.trim();
  }
  return mapping;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads a claim by name: the literal key if present, otherwise (for a dotted
 * name) the nested path. Only own properties are followed, so `__proto__`
 * and friends never resolve to anything.
 */
export function readClaim(payload: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(payload, name)) return payload[name];
  if (!name.includes('.')) return undefined;
  let node: unknown = payload;
  for (const segment of name.split('.')) {
    if (!isRecord(node) || !Object.hasOwn(node, segment)) return undefined;
    node = node[segment];
  }
  return node;
}

function readId(payload: Record<string, unknown>, name: string): string | undefined {
  const v = readClaim(payload, name);
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  throw new AuthError('malformed_token', `claim "${name}" must be a string or an integer`);
}

/** Shared by every identity without permissions (an identity lives as long as its connection). */
const NO_PERMISSIONS: readonly string[] = Object.freeze([]);

function readPermissions(payload: Record<string, unknown>, name: string): readonly string[] {
  const v = readClaim(payload, name);
  if (v === undefined || v === null) return NO_PERMISSIONS;
  let list: string[];
  if (typeof v === 'string') {
    list = v.split(/\s+/);
  } else if (Array.isArray(v)) {
    if (!v.every((p) => typeof p === 'string')) {
      throw new AuthError('malformed_token', `claim "${name}" must be an array of strings or a space-separated string`);
    }
    list = v as string[];
  } else {
    throw new AuthError('malformed_token', `claim "${name}" must be an array of strings or a space-separated string`);
  }
  const unique = [...new Set(list.map((p) => p.trim()).filter((p) => p !== ''))];
  return unique.length === 0 ? NO_PERMISSIONS : Object.freeze(unique);
}

function readKind(payload: Record<string, unknown>, name: string): IdentityKind {
  const v = readClaim(payload, name);
  if (v === undefined || v === null) return 'user';
  if (typeof v === 'string' && (KINDS as readonly string[]).includes(v)) return v as IdentityKind;
  throw new AuthError('malformed_token', `claim "${name}" must be one of ${KINDS.join(', ')}`);
}

function readExpiry(payload: Record<string, unknown>): number | undefined {
  const exp = payload['exp'];
  if (exp === undefined) return undefined;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw new AuthError('malformed_token', 'claim "exp" must be a number');
  return exp * 1000;
}

function readIssuedAt(payload: Record<string, unknown>): number | undefined {
  const iat = payload['iat'];
  return typeof iat === 'number' && Number.isFinite(iat) ? iat * 1000 : undefined;
}

/**
 * Maps a (verified) JWT payload to an Identity. Throws AuthError:
 * `missing_claim` when the user claim is absent, `malformed_token` when a
 * mapped claim has the wrong type or `kind` is not user/worker/service.
 * Plain data fields only, in one order: every identity shares one hidden class, and a
 * connection keeps the 64-character hash rather than its token (a lazy hash needs the token,
 * and an RS256 token is about 540 characters; an accessor gave each identity its own shape).
 */
export function identityFromClaims(payload: Record<string, unknown>, mapping: ClaimMapping, tokenHash: string): Identity {
  if (!isRecord(payload)) throw new AuthError('malformed_token', 'token payload is not a JSON object');
  const userId = readId(payload, mapping.user);
  if (userId === undefined) throw new AuthError('missing_claim', `token has no "${mapping.user}" claim`);
  return Object.freeze({
    userId,
    accountId: readId(payload, mapping.account),
    permissions: readPermissions(payload, mapping.permissions),
    kind: readKind(payload, mapping.kind),
    sessionId: readId(payload, mapping.session),
    apiTokenId: readId(payload, mapping.apiToken),
    expiresAt: readExpiry(payload),
    issuedAt: readIssuedAt(payload),
    tokenHash,
  });
}
