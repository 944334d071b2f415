import type { Authorizer, AuthzRequest, Decision } from '../authorizer.js';
import { KeyIndex } from './key-index.js';
import { invalidationMatches, type Invalidation } from '../invalidation.js';

export interface CachingAuthorizerOptions {
  /** Bound on cached decisions; the oldest go first. Default 100 000. */
  readonly maxEntries?: number;
  /** Clock, injectable for tests. */
  readonly now?: () => number;
}

/** What an invalidation can name about a cached or in-flight check. */
interface Target {
  readonly userId: string;
  readonly accountId: string | undefined;
  readonly values: readonly string[];
}

interface Entry extends Target {
  readonly decision: Decision;
  readonly expiresAt: number;
}

/** `stale`: an invalidation arrived while asking, so the answer may predate it: returned, not cached. */
type FlightState = { stale: boolean };

interface Flight extends Target {
  readonly promise: Promise<Decision>;
  readonly state: FlightState;
}

/**
 * Edge-side cache in front of any Authorizer. A decision is kept for its
 * `ttlMs` (none → not cached; retryable → never cached, it is not a real
 * answer), identical concurrent checks share one request, and invalidations
 * from ownership changes drop what they name before the TTL runs out.
 */
export class CachingAuthorizer implements Authorizer {
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new Map<string, Flight>();
  readonly #byUser = new KeyIndex();
  readonly #byAccount = new KeyIndex();
  readonly #byValue = new KeyIndex();
  readonly #maxEntries: number;
  readonly #now: () => number;
  #hits = 0;
  #misses = 0;

  constructor(
    private readonly inner: Authorizer,
    options: CachingAuthorizerOptions = {},
  ) {
    this.#maxEntries = Math.max(1, options.maxEntries ?? 100_000);
    this.#now = options.now ?? Date.now;
  }

  get hits(): number {
    return this.#hits;
  }

  /** Checks not answered from the cache (including those that joined an in-flight request). */
  get misses(): number {
    return this.#misses;
  }

  get size(): number {
    return this.#entries.size;
  }

  check(request: AuthzRequest): Promise<Decision> {
    const key = cacheKey(request);
    const cached = this.#entries.get(key);
    if (cached) {
      if (cached.expiresAt > this.#now()) {
        this.#hits++;
        return Promise.resolve(cached.decision);
      }
      this.#remove(key);
    }
    this.#misses++;
    const shared = this.#inflight.get(key);
    if (shared) return shared.promise;
    const t = target(request);
    const state: FlightState = { stale: false };
    const promise = this.#ask(key, request, t, state);
    this.#inflight.set(key, { ...t, state, promise });
    return promise;
  }

  invalidate(inv: Invalidation): void {
    if (inv.all) {
      for (const f of this.#inflight.values()) f.state.stale = true;
      this.#inflight.clear();
      this.#entries.clear();
      this.#byUser.clear();
      this.#byAccount.clear();
      this.#byValue.clear();
      return;
    }
    // Union of everything named: dropping too much only costs a re-check, too little would keep a stale allow.
    const keys = new Set<string>();
    if (inv.user_id !== undefined) for (const k of this.#byUser.get(inv.user_id)) keys.add(k);
    if (inv.account_id !== undefined) for (const k of this.#byAccount.get(inv.account_id)) keys.add(k);
    if (inv.resource_id !== undefined) for (const k of this.#byValue.get(inv.resource_id)) keys.add(k);
    for (const k of keys) this.#remove(k);
    for (const [k, f] of this.#inflight) {
      if (invalidationMatches(inv, f, f.values)) {
        f.state.stale = true;
        this.#inflight.delete(k);
      }
    }
  }

  clear(): void {
    this.invalidate({ all: true });
  }

  async #ask(key: string, request: AuthzRequest, t: Target, state: FlightState): Promise<Decision> {
    try {
      // `inner` runs a tick later: the caller registers the flight first, even if `inner` throws synchronously.
      const decision = await Promise.resolve().then(() => this.inner.check(request));
      if (!state.stale) this.#store(key, t, decision);
      return decision;
    } finally {
      if (this.#inflight.get(key)?.state === state) this.#inflight.delete(key);
    }
  }

  #store(key: string, t: Target, decision: Decision): void {
    const ttl = decision.ttlMs;
    if (decision.retryable || ttl === undefined || !(ttl > 0)) return;
    this.#remove(key);
    this.#entries.set(key, { ...t, decision, expiresAt: this.#now() + ttl });
    this.#byUser.add(t.userId, key);
    if (t.accountId !== undefined) this.#byAccount.add(t.accountId, key);
    for (const v of t.values) this.#byValue.add(v, key);
    // Map order is insertion order: the first key is the oldest entry.
    while (this.#entries.size > this.#maxEntries) this.#remove(this.#entries.keys().next().value as string);
  }

  #remove(key: string): void {
    const e = this.#entries.get(key);
    if (!e) return;
    this.#entries.delete(key);
    this.#byUser.delete(e.userId, key);
    if (e.accountId !== undefined) this.#byAccount.delete(e.accountId, key);
    for (const v of e.values) this.#byValue.delete(v, key);
  }
}

/** Everything the decision depends on, canonical: permission and param order do not matter. */
export function cacheKey(request: AuthzRequest): string {
  const { identity, channel, params } = request;
  const sortedParams = Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([identity.userId, identity.accountId ?? null, identity.kind, [...identity.permissions].sort(), channel, sortedParams]);
}

function target(request: AuthzRequest): Target {
  return {
    userId: request.identity.userId,
    accountId: request.identity.accountId,
    values: [...new Set(Object.values(request.params))],
  };
}
