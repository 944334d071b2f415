import type { Identity, IdentityKind } from './identity.js';

/**
 * Validated JSON for NATS request bodies (authz checks, client actions, RPC
 * calls). Everything read off the wire is checked: a malformed message is a
 * WireError (answered or dropped by the caller), never a crash.
 */
export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
const KINDS: readonly IdentityKind[] = ['user', 'worker', 'service'];

export function parseWire(data: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(data));
  } catch {
    throw new WireError('payload is not JSON');
  }
}

export function toWire(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export function wireRecord(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new WireError(`${what} must be an object`);
  return value as Record<string, unknown>;
}

export function wireStringMap(value: unknown, what: string): Record<string, string> {
  const entries = Object.entries(wireRecord(value, what));
  for (const [k, v] of entries) if (typeof v !== 'string') throw new WireError(`${what}.${k} must be a string`);
  // fromEntries defines own properties, so a `__proto__` key stays data instead of swapping the prototype.
  return Object.fromEntries(entries) as Record<string, string>;
}

type TypeName = { string: string; number: number; boolean: boolean };

export function wireOptional<T extends keyof TypeName>(body: Record<string, unknown>, key: string, type: T, what = key): TypeName[T] | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (typeof v !== type) throw new WireError(`${what} must be a ${type}`);
  return v as TypeName[T];
}

/** JSON has no undefined: an absent identity field may arrive missing or as null. */
function nullable<T extends keyof TypeName>(body: Record<string, unknown>, key: string, type: T): TypeName[T] | undefined {
  return body[key] === null ? undefined : wireOptional(body, key, type, `identity.${key}`);
}

/** An Identity as sent by an edge (JSON of the Identity object: the token itself never travels, only its hash). */
export function decodeWireIdentity(value: unknown): Identity {
  const v = wireRecord(value, 'identity');
  const userId = v['userId'];
  if (typeof userId !== 'string' || userId === '') throw new WireError('identity.userId must be a non-empty string');
  const kind = v['kind'];
  if (typeof kind !== 'string' || !KINDS.includes(kind as IdentityKind)) throw new WireError('identity.kind is invalid');
  const permissions = v['permissions'] ?? [];
  if (!Array.isArray(permissions) || !permissions.every((p) => typeof p === 'string')) {
    throw new WireError('identity.permissions must be an array of strings');
  }
  const tokenHash = v['tokenHash'] ?? '';
  if (typeof tokenHash !== 'string') throw new WireError('identity.tokenHash must be a string');
  return {
    userId,
    accountId: nullable(v, 'accountId', 'string'),
    permissions: permissions as string[],
    kind: kind as IdentityKind,
    sessionId: nullable(v, 'sessionId', 'string'),
    apiTokenId: nullable(v, 'apiTokenId', 'string'),
    expiresAt: nullable(v, 'expiresAt', 'number'),
    issuedAt: nullable(v, 'issuedAt', 'number'),
    tokenHash,
  };
}
