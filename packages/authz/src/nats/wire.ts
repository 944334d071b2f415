import { decodeWireIdentity, parseWire as parse, toWire as json, WireError, wireOptional as optional, wireRecord as record, wireStringMap as stringMap } from '@herald/auth';
import type { AuthzRequest, Decision } from '../authorizer.js';
import type { Invalidation } from '../invalidation.js';

/**
 * JSON payloads of the authz subjects. Everything read off the wire is
 * validated: a malformed message is a WireError (answered with `{error}` by
 * the service, ignored by invalidation subscribers), never a crash.
 */
export { WireError };

/** A decision on the wire; `retryable` travels too so a retryable deny is never cached as final. */
export type CheckDecision = Pick<Decision, 'allow' | 'reason' | 'ttlMs' | 'retryable'>;
export type CheckReply = CheckDecision | { readonly error: string };



export function encodeCheckRequest(request: AuthzRequest): Uint8Array {
  return json({ identity: request.identity, channel: request.channel, params: request.params });
}

export function decodeCheckRequest(data: Uint8Array): AuthzRequest {
  const body = record(parse(data), 'request');
  const channel = body['channel'];
  if (typeof channel !== 'string' || channel === '') throw new WireError('channel must be a non-empty string');
  return { identity: decodeWireIdentity(body['identity']), channel, params: stringMap(body['params'] ?? {}, 'params') };
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
