import type { Identity, IdentityKind } from '@herald/auth';
import type { AuthzRequest, Decision } from '../authorizer.js';
import type { Invalidation } from '../invalidation.js';

/**
 * JSON payloads of the authz subjects. Everything read off the wire is
 * validated: a malformed message is a WireError (answered with `{error}` by
 * the service, ignored by invalidation subscribers), never a crash.
 */
export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

/** A decision on the wire; `retryable` travels too so a retryable deny is never cached as final. */
export type CheckDecision = Pick<Decision, 'allow' | 'reason' | 'ttlMs' | 'retryable'>;
export type CheckReply = CheckDecision | { readonly error: string };


const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
const KINDS: readonly IdentityKind[] = ['user', 'worker', 'service'];

export function encodeCheckRequest(request: AuthzRequest): Uint8Array {
  return json({ identity: request.identity, channel: request.channel, params: request.params });
}

export function decodeCheckRequest(data: Uint8Array): AuthzRequest {
  const body = record(parse(data), 'request');
  const channel = body['channel'];
  if (typeof channel !== 'string' || channel === '') throw new WireError('channel must be a non-empty string');
  return { identity: identity(body['identity']), channel, params: stringMap(body['params'] ?? {}, 'params') };
}

export function encodeCheckReply(reply: CheckReply): Uint8Array {
  if ('error' in reply) return json({ error: reply.error });
  const out: Record<string, unknown> = { allow: reply.allow };
  if (reply.reason !== undefined) out['reason'] = reply.reason;
  if (reply.ttlMs !== undefined) out['ttlMs'] = reply.ttlMs;
  if (reply.retryable) out['retryable'] = true;
  return json(out);
}

export function decodeCheckReply(data: Uint8Array): CheckReply {
  const body = record(parse(data), 'reply');
  if (body['error'] !== undefined) {
    if (typeof body['error'] !== 'string') throw new WireError('error must be a string');
    return { error: body['error'] };
  }
  if (typeof body['allow'] !== 'boolean') throw new WireError('allow must be a boolean');
  const reason = optional(body, 'reason', 'string');
  const ttlMs = optional(body, 'ttlMs', 'number');
  if (ttlMs !== undefined && !(Number.isFinite(ttlMs) && ttlMs >= 0)) throw new WireError('ttlMs must be a non-negative number');
  const retryable = optional(body, 'retryable', 'boolean');
  return {
    allow: body['allow'],
    ...(reason !== undefined ? { reason } : {}),
    ...(ttlMs !== undefined ? { ttlMs } : {}),
    ...(retryable ? { retryable } : {}),
  };
}

export function encodeInvalidation(inv: Invalidation): Uint8Array {
  return json(validateInvalidation(inv));
}

export function decodeInvalidation(data: Uint8Array): Invalidation {
  return validateInvalidation(parse(data));
}

/** Checks the shape and returns a copy with only the known fields; at least one target is required. */
export function validateInvalidation(value: unknown): Invalidation {
  const body = record(value, 'invalidation');
  const inv: { -readonly [K in keyof Invalidation]: Invalidation[K] } = {};
  for (const k of ['resource_type', 'resource_id', 'account_id', 'user_id'] as const) {
    const v = optional(body, k, 'string');
    if (v !== undefined) inv[k] = v;
  }
  const all = optional(body, 'all', 'boolean');
  if (all !== undefined) inv.all = all;
  // resource_type alone names no decision to drop: an empty target is a sender bug, so say so.
  if (!inv.all && inv.resource_id === undefined && inv.account_id === undefined && inv.user_id === undefined) {
    throw new WireError('invalidation names nothing (set all, resource_id, account_id or user_id)');
  }
  return inv;
}

function identity(value: unknown): Identity {
  const v = record(value, 'identity');
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

function parse(data: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(data));
  } catch {
    throw new WireError('payload is not JSON');
  }
}

function json(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new WireError(`${what} must be an object`);
  return value as Record<string, unknown>;
}

function stringMap(value: unknown, what: string): Record<string, string> {
  const entries = Object.entries(record(value, what));
  for (const [k, v] of entries) if (typeof v !== 'string') throw new WireError(`${what}.${k} must be a string`);
  // fromEntries defines own properties, so a `__proto__` key stays data instead of swapping the prototype.
  return Object.fromEntries(entries) as Record<string, string>;
}

type TypeName = { string: string; number: number; boolean: boolean };

function optional<T extends keyof TypeName>(body: Record<string, unknown>, key: string, type: T): TypeName[T] | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (typeof v !== type) throw new WireError(`${key} must be a ${type}`);
  return v as TypeName[T];
}

/** JSON has no undefined: an absent identity field may arrive missing or as null. */
function nullable<T extends keyof TypeName>(body: Record<string, unknown>, key: string, type: T): TypeName[T] | undefined {
  return body[key] === null ? undefined : optional(body, key, type);
}
