import type { Identity } from '@herald/auth';

export type RevocationKind = 'session' | 'account' | 'user' | 'api_token';
export const REVOCATION_KINDS: readonly RevocationKind[] = ['session', 'account', 'user', 'api_token'];

export interface Revocation {
  readonly kind: RevocationKind;
  readonly value: string;
  readonly reason: string;
  /** ms since the epoch. */
  readonly revokedAt: number;
  /** ms since the epoch; after this the revocation no longer applies. */
  readonly expiresAt: number;
}

export interface RevokeInput {
  readonly kind: RevocationKind;
  readonly value: string;
  readonly reason?: string;
  readonly ttlMs?: number;
}

export const MAX_VALUE_LENGTH = 512;
export const MAX_REASON_LENGTH = 256;

/** No iat means we cannot prove the token is newer than the revocation, so it is blocked. */
function tokenIssuedBefore(identity: Identity, revokedAt: number): boolean {
  return identity.issuedAt === undefined || identity.issuedAt <= revokedAt;
}

/** Does this revocation apply to this identity? */
export function revocationMatches(r: Revocation, identity: Identity): boolean {
  switch (r.kind) {
    case 'session':
      return identity.tokenHash === r.value || identity.sessionId === r.value;
    case 'api_token':
      return identity.apiTokenId === r.value;
    case 'account':
      return identity.accountId === r.value && tokenIssuedBefore(identity, r.revokedAt);
    case 'user':
      return identity.userId === r.value && tokenIssuedBefore(identity, r.revokedAt);
  }
}

export function isRevocationKind(v: unknown): v is RevocationKind {
  return typeof v === 'string' && (REVOCATION_KINDS as readonly string[]).includes(v);
}

/** The input, normalised, or an error message naming the bad field (for HTTP 400 / CLI). */
export function validateRevokeInput(input: unknown): RevokeInput | string {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return 'revocation must be a JSON object';
  const o = input as Record<string, unknown>;
  if (!isRevocationKind(o['kind'])) return `kind must be one of ${REVOCATION_KINDS.join(', ')}`;
  const value = o['value'];
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_VALUE_LENGTH) {
    return `value must be a non-empty string of at most ${MAX_VALUE_LENGTH} characters`;
  }
  const reason = o['reason'];
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > MAX_REASON_LENGTH)) {
    return `reason must be a string of at most ${MAX_REASON_LENGTH} characters`;
  }
  const ttlMs = o['ttlMs'];
  if (ttlMs !== undefined && !(typeof ttlMs === 'number' && Number.isSafeInteger(ttlMs) && ttlMs > 0)) {
    return 'ttlMs must be a positive integer (milliseconds)';
  }
  return {
    kind: o['kind'],
    value,
    ...(reason !== undefined ? { reason } : {}),
    ...(ttlMs !== undefined ? { ttlMs } : {}),
  };
}

/** A revocation as received from the wire (KV or subject), or undefined when it is not one. */
export function parseRevocation(text: string): Revocation | undefined {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof o !== 'object' || o === null) return undefined;
  const r = o as Record<string, unknown>;
  const { kind, value, reason, revokedAt, expiresAt } = r;
  if (!isRevocationKind(kind) || typeof value !== 'string' || value === '' || typeof reason !== 'string') return undefined;
  if (!Number.isFinite(revokedAt) || !Number.isFinite(expiresAt)) return undefined;
  return { kind, value, reason, revokedAt: revokedAt as number, expiresAt: expiresAt as number };
}

/**
 * Build the revocation for `input` at `now`. Re-revoking something already in
 * force keeps the longer expiry, so a later, shorter revocation never lifts an
 * earlier block early.
 */
export function buildRevocation(input: RevokeInput, now: number, ttlMs: number, existing: Revocation | undefined): Revocation {
  const invalid = validateRevokeInput(input);
  if (typeof invalid === 'string') throw new TypeError(invalid);
  let expiresAt = now + ttlMs;
  if (existing && existing.expiresAt > now) expiresAt = Math.max(expiresAt, existing.expiresAt);
  return { kind: input.kind, value: input.value, reason: input.reason ?? '', revokedAt: now, expiresAt };
}

/** In-memory index: one Map per kind for O(1) lookups; expired entries pruned lazily and by prune(). */
export class RevocationList {
  readonly #byKind = new Map<RevocationKind, Map<string, Revocation>>(REVOCATION_KINDS.map((k) => [k, new Map()]));
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** False when already known (same kind+value with revokedAt >= this one's) or already expired. */
  add(r: Revocation): boolean {
    if (r.expiresAt <= this.#now()) return false;
    const map = this.#map(r.kind);
    const known = map.get(r.value);
    if (known && known.revokedAt >= r.revokedAt) return false;
    map.set(r.value, r);
    return true;
  }

  /** The revocation in force for kind+value, if any. */
  get(kind: RevocationKind, value: string, now = this.#now()): Revocation | undefined {
    return this.#live(this.#map(kind), value, now);
  }

  /**
   * The revocation in force for this identity, if any. Runs on every connect: an empty kind is
   * skipped before its key is computed (the token hash is a SHA-256 made on first read), and no
   * candidate list is built.
   */
  find(identity: Identity, now = this.#now()): Revocation | undefined {
    const sessions = this.#map('session');
    if (sessions.size > 0) {
      const r = this.#lookup(sessions, identity.tokenHash, identity, now) ?? this.#lookup(sessions, identity.sessionId, identity, now);
      if (r) return r;
    }
    return (
      this.#lookup(this.#map('api_token'), identity.apiTokenId, identity, now) ??
      this.#lookup(this.#map('user'), identity.userId, identity, now) ??
      this.#lookup(this.#map('account'), identity.accountId, identity, now)
    );
  }

  #lookup(map: Map<string, Revocation>, value: string | undefined, identity: Identity, now: number): Revocation | undefined {
    if (value === undefined || map.size === 0) return undefined;
    const r = this.#live(map, value, now);
    return r && revocationMatches(r, identity) ? r : undefined;
  }

  prune(now = this.#now()): void {
    for (const map of this.#byKind.values()) {
      for (const [value, r] of map) if (r.expiresAt <= now) map.delete(value);
    }
  }

  get size(): number {
    let n = 0;
    for (const map of this.#byKind.values()) n += map.size;
    return n;
  }

  #map(kind: RevocationKind): Map<string, Revocation> {
    return this.#byKind.get(kind)!;
  }

  #live(map: Map<string, Revocation>, value: string, now: number): Revocation | undefined {
    const r = map.get(value);
    if (r && r.expiresAt <= now) {
      map.delete(value);
      return undefined;
    }
    return r;
  }
}
