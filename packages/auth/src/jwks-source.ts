import { KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwksCache, type ExportedJWKSCache, type JWKSCacheInput, type JWTVerifyGetKey } from 'jose';
import { AuthError } from './errors.js';

/** Selected keys kept per key set: one per distinct protected header, which deployments have a handful of. */
const SELECTED_KEYS_MAX = 64;

export interface JwksSourceOptions {
  /** Minimum time between refetches an unknown `kid` triggers (jose's cooldownDuration). */
  readonly cooldownMs?: number | undefined;
  /** HTTP timeout of a fetch (jose's timeoutDuration). */
  readonly timeoutMs?: number | undefined;
}

/**
 * A remote JWKS as a key source. jose fetches the key set, caches it (10 min)
 * and selects the key for a token's protected header (kid, alg, use,
 * key_ops). The key it selected for a header is kept here, so that the next
 * token with that header verifies synchronously in the upgrade handler, as a
 * PEM key's does: the async upgrade path of uWebSockets.js v20.30 can close a
 * new socket right after `open` (docs/architecture.md).
 *
 * A kept key is used only while jose still holds the key set it was selected
 * from, and while that set is fresh: after each fetch, or once it is stale,
 * tokens go through jose again. A retired key therefore stops verifying when
 * jose's does, not later.
 */
export interface JwksSource {
  /** jose's resolver, with fetch failures reported as `jwks_unavailable`. */
  readonly resolve: JWTVerifyGetKey;
  /** The key jose selected for this protected header (base64url segment) from the key set it holds now. */
  keyAtHand(headerSegment: string): KeyObject | undefined;
}

export function createJwksSource(url: URL, options: JwksSourceOptions = {}): JwksSource {
  // jose writes the time of each successful fetch into this object: the key set's generation.
  const fetched: JWKSCacheInput = {};
  const fetchedAt = (): number | undefined => (fetched as Partial<ExportedJWKSCache>).uat;
  const remote = createRemoteJWKSet(url, {
    ...(options.cooldownMs !== undefined ? { cooldownDuration: options.cooldownMs } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutDuration: options.timeoutMs } : {}),
    [jwksCache]: fetched,
  });
  const selected = new Map<string, KeyObject>();
  let generation: number | undefined;

  const keep = (headerSegment: string, key: Parameters<typeof KeyObject.from>[0] | KeyObject): void => {
    if (generation !== fetchedAt()) {
      selected.clear();
      generation = fetchedAt();
    }
    if (selected.size < SELECTED_KEYS_MAX) selected.set(headerSegment, key instanceof KeyObject ? key : KeyObject.from(key));
  };

  return {
    async resolve(header, token) {
      const generationBefore = fetchedAt();
      let key;
      try {
        key = await remote(header, token);
      } catch (err) {
        if (
          err instanceof joseErrors.JWKSNoMatchingKey ||
          err instanceof joseErrors.JWKSMultipleMatchingKeys || // the verifier tries each candidate
          err instanceof joseErrors.JOSEAlgNotAllowed
        ) {
          throw err;
        }
        // Timeout, connection refused, non-200, bad JSON, malformed key set, unusable key.
        // An AuthError thrown by the resolver passes through jwtVerify unchanged.
        const detail = err instanceof joseErrors.JWKSTimeout ? 'timed out' : err instanceof Error ? err.message : String(err);
        const mapped = new AuthError('jwks_unavailable', `signing keys could not be fetched from the JWKS endpoint: ${detail}`);
        mapped.cause = err;
        throw mapped;
      }
      // Kept only when no fetch completed during the call: the key then belongs to the set jose holds.
      if (generationBefore !== undefined && fetchedAt() === generationBefore && token?.protected) keep(token.protected, key);
      return key;
    },
    keyAtHand(headerSegment) {
      if (generation !== fetchedAt() || !remote.fresh) return undefined;
      return selected.get(headerSegment);
    },
  };
}
