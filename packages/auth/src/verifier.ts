import { createPublicKey, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { errors as joseErrors, jwtVerify, type JWTVerifyOptions } from 'jose';
import { identityFromClaims, resolveClaimMapping, type ClaimMapping } from './claims.js';
import { signDevToken } from './dev-token.js';
import { AuthError } from './errors.js';
import { hashToken } from './extract.js';
import { createJwksSource, type JwksSource } from './jwks-source.js';
import { headerSegment, readProtectedHeader, splitCompactJws, verifyJwtSync, type CompactJws } from './jws-sync.js';
import type { Identity } from './identity.js';

export interface VerifierConfig {
  /** HMAC secret (HS256/384/512), at least 32 bytes. */
  secret?: string;
  /** SPKI PEM public key (RSA, EC P-256/384/521 or Ed25519). */
  publicKeyPem?: string;
  /** http(s) URL of a JSON Web Key Set. */
  jwksUrl?: string;
  /** Pins the accepted algorithms; by default they follow the configured key sources. */
  algorithms?: string[];
  /** Required `iss`. */
  issuer?: string;
  /** Required `aud`. */
  audience?: string;
  /** Leeway for `exp`/`nbf` in seconds; default 5. */
  clockToleranceSec?: number;
  /** Claim names; unset entries keep DEFAULT_CLAIMS. */
  claims?: Partial<ClaimMapping>;
  /** Minimum time between JWKS refetches triggered by an unknown `kid`; default 30 s. */
  jwksCooldownMs?: number;
  /** JWKS HTTP timeout; default 5 s. */
  jwksTimeoutMs?: number;
}

export interface TokenVerifier {
  /** Verifies a raw JWT. Rejects only with AuthError. */
  verify(token: string): Promise<Identity>;
  /**
   * Verifies a raw JWT in this tick when its key is at hand (the secret, the PEM key, or a JWKS
   * key jose has selected for this header from the key set it holds): the identity, or throws
   * AuthError. `undefined` when it needs I/O (the first tokens after each JWKS fetch): use verify().
   */
  verifyNow(token: string): Identity | undefined;
  /**
   * For the edge's warm-up (it runs connects against itself before it listens): accept, until
   * `end()`, HS256 tokens signed with a random key made here, which never leaves the process.
   * `end()` puts the algorithms and sources back exactly as configured.
   */
  admitWarmup(): WarmupAdmission;
}

export interface WarmupAdmission {
  /** A token for `sub` in `account`, under the configured claim names, issuer and audience; valid 10 minutes. */
  sign(sub: string, account: string): Promise<string>;
  end(): void;
}

export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
const RSA_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] as const;
const EC_ALGORITHMS = ['ES256', 'ES384', 'ES512'] as const;
/** `Ed25519` is the fully-specified name (RFC 9864) for what `EdDSA` means in practice. */
const OKP_ALGORITHMS = ['EdDSA', 'Ed25519'] as const;
export const ASYMMETRIC_ALGORITHMS: readonly string[] = [...RSA_ALGORITHMS, ...EC_ALGORITHMS, ...OKP_ALGORITHMS];
export const SUPPORTED_ALGORITHMS: readonly string[] = [...HMAC_ALGORITHMS, ...ASYMMETRIC_ALGORITHMS];

const MIN_SECRET_BYTES = 32;
const MIN_RSA_BITS = 2048;
const DEFAULT_CLOCK_TOLERANCE_SEC = 5;
const HEADER_CACHE_SIZE = 64;

/** Algorithms a public key can verify, from its type (and curve). */
function algorithmsForKey(key: KeyObject): readonly string[] {
  switch (key.asymmetricKeyType) {
    case 'rsa': {
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      if (bits < MIN_RSA_BITS) throw new Error(`publicKeyPem: RSA key of ${bits} bits is too small (at least ${MIN_RSA_BITS})`);
      return RSA_ALGORITHMS;
    }
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'prime256v1') return ['ES256'];
      if (curve === 'secp384r1') return ['ES384'];
      if (curve === 'secp521r1') return ['ES512'];
      throw new Error(`publicKeyPem: unsupported EC curve ${curve ?? 'unknown'} (use P-256, P-384 or P-521)`);
    }
    case 'ed25519':
      return OKP_ALGORITHMS;
    default:
      throw new Error(
        `publicKeyPem: unsupported key type ${key.asymmetricKeyType ?? 'unknown'} (use an RSA, EC P-256/P-384/P-521 or Ed25519 SPKI public key)`,
      );
  }
}

function loadPublicKey(pem: string, pinned: ReadonlySet<string> | undefined): { algorithms: Set<string>; key: KeyObject } {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new Error('publicKeyPem holds a private key; configure the PEM (SPKI) public key instead');
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new Error(`publicKeyPem is not a readable PEM public key: ${(err as Error).message}`);
  }
  const fitting = algorithmsForKey(key);
  const algs = pinned ? fitting.filter((a) => pinned.has(a)) : fitting;
  if (algs.length === 0) {
    throw new Error(`publicKeyPem fits ${fitting.join(', ')}, none of which is in algorithms (${[...(pinned ?? [])].join(', ')})`);
  }
  return { algorithms: new Set(algs), key };
}

function nonNegative(name: string, value: number | undefined, integer = false): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    throw new Error(`${name} must be a non-negative ${integer ? 'integer' : 'number'}`);
  }
  return value;
}

/** Maps anything thrown while verifying to an AuthError. */
export function toAuthError(err: unknown): AuthError {
  if (err instanceof AuthError) return err;
  let mapped: AuthError;
  if (err instanceof joseErrors.JWTExpired) {
    mapped = new AuthError('token_expired', 'token has expired');
  } else if (err instanceof joseErrors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'iss':
        mapped = new AuthError('wrong_issuer', `token issuer is not accepted (${err.reason})`);
        break;
      case 'aud':
        mapped = new AuthError('wrong_audience', `token audience is not accepted (${err.reason})`);
        break;
      case 'nbf':
      case 'iat':
        mapped =
          err.reason === 'check_failed'
            ? new AuthError('token_not_yet_valid', 'token is not valid yet')
            : new AuthError('malformed_token', `token claim "${err.claim}" is invalid`);
        break;
      default:
        mapped = new AuthError('malformed_token', `token claim "${err.claim}" is invalid: ${err.message}`);
    }
  } else if (err instanceof joseErrors.JWSSignatureVerificationFailed || err instanceof joseErrors.JWKSNoMatchingKey) {
    mapped = new AuthError('invalid_signature', err instanceof joseErrors.JWKSNoMatchingKey ? 'no key matches the token' : 'token signature is invalid');
  } else if (err instanceof joseErrors.JWKSMultipleMatchingKeys) {
    mapped = new AuthError('invalid_signature', 'several keys match the token and none verifies it');
  } else if (err instanceof joseErrors.JOSEAlgNotAllowed) {
    mapped = new AuthError('algorithm_not_allowed', 'token algorithm is not allowed');
  } else {
    // JWSInvalid, JWTInvalid, JOSENotSupported (e.g. unknown crit header), TypeErrors from decoding, ...
    mapped = new AuthError('malformed_token', `token is malformed${err instanceof Error ? `: ${err.message}` : ''}`);
  }
  mapped.cause = err;
  return mapped;
}

/**
 * A configured key source: keys at hand (secret, PEM), verified in this tick, or a JWKS, whose
 * keys jose fetches and selects (verified in this tick too once jose has selected the key for a
 * token's header from the key set it holds).
 */
type KeySource = { readonly algorithms: ReadonlySet<string> } & ({ readonly keys: readonly KeyObject[] } | { readonly jwks: JwksSource });

/**
 * Builds a verifier from the configured key sources. Algorithms are pinned:
 * HS* go to the secret, anything else to the PEM key and then the JWKS; an
 * `alg` outside the allowed set (including `none`) is refused before any
 * key is touched. Throws a plain Error for an unusable configuration.
 */
export async function createVerifier(cfg: VerifierConfig): Promise<TokenVerifier> {
  if (!cfg.secret && !cfg.publicKeyPem && !cfg.jwksUrl) {
    throw new Error('createVerifier: configure at least one key source (secret, publicKeyPem or jwksUrl)');
  }
  let pinned: Set<string> | undefined;
  if (cfg.algorithms !== undefined) {
    if (cfg.algorithms.length === 0) throw new Error('algorithms must not be empty (omit it to follow the key type)');
    for (const a of cfg.algorithms) {
      if (!SUPPORTED_ALGORITHMS.includes(a)) throw new Error(`algorithms: unsupported algorithm ${JSON.stringify(a)} (supported: ${SUPPORTED_ALGORITHMS.join(', ')})`);
    }
    pinned = new Set(cfg.algorithms);
  }
  const pick = (defaults: readonly string[]): Set<string> => new Set(pinned ? defaults.filter((a) => pinned.has(a)) : defaults);

  const sources: KeySource[] = [];
  if (cfg.secret) {
    if (Buffer.byteLength(cfg.secret, 'utf8') < MIN_SECRET_BYTES) {
      throw new Error(`secret must be at least ${MIN_SECRET_BYTES} bytes (got ${Buffer.byteLength(cfg.secret, 'utf8')})`);
    }
    const algorithms = pick(HMAC_ALGORITHMS);
    if (algorithms.size === 0) throw new Error(`secret is configured but algorithms (${cfg.algorithms?.join(', ')}) allows no HS256/HS384/HS512`);
    sources.push({ algorithms, keys: [createSecretKey(Buffer.from(cfg.secret, 'utf8'))] });
  }
  if (cfg.publicKeyPem) {
    const { algorithms, key } = loadPublicKey(cfg.publicKeyPem, pinned);
    sources.push({ algorithms, keys: [key] });
  }
  if (cfg.jwksUrl) {
    let url: URL;
    try {
      url = new URL(cfg.jwksUrl);
    } catch {
      throw new Error(`jwksUrl is not a URL: ${JSON.stringify(cfg.jwksUrl)}`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`jwksUrl must be http(s): ${cfg.jwksUrl}`);
    const algorithms = pick(ASYMMETRIC_ALGORITHMS);
    if (algorithms.size === 0) throw new Error(`jwksUrl is configured but algorithms (${cfg.algorithms?.join(', ')}) allows no asymmetric algorithm`);
    const jwks = createJwksSource(url, { cooldownMs: nonNegative('jwksCooldownMs', cfg.jwksCooldownMs), timeoutMs: nonNegative('jwksTimeoutMs', cfg.jwksTimeoutMs, true) });
    sources.push({ algorithms, jwks }); // last: tried after the keys at hand
  }
  const allowed = new Set(sources.flatMap((s) => [...s.algorithms]));
  const sourcesFor = new Map([...allowed].map((alg) => [alg, sources.filter((s) => s.algorithms.has(alg))]));
  if (pinned) {
    const unserved = [...pinned].filter((a) => !allowed.has(a));
    if (unserved.length > 0) throw new Error(`algorithms ${unserved.join(', ')} fit none of the configured key sources`);
  }

  const clockTolerance = nonNegative('clockToleranceSec', cfg.clockToleranceSec) ?? DEFAULT_CLOCK_TOLERANCE_SEC;
  const mapping = resolveClaimMapping(cfg.claims);
  const checks = { clockToleranceSec: clockTolerance, ...(cfg.issuer !== undefined ? { issuer: cfg.issuer } : {}), ...(cfg.audience !== undefined ? { audience: cfg.audience } : {}) };
  const jwtOptions: JWTVerifyOptions = { clockTolerance, ...(checks.issuer !== undefined ? { issuer: checks.issuer } : {}), ...(checks.audience !== undefined ? { audience: checks.audience } : {}) };

  /**
   * Checked headers by their base64url segment. Nearly every token of a deployment carries the
   * same few headers, so the decode, parse and checks run once per header, not once per connect.
   * Only headers that passed are kept, and at most HEADER_CACHE_SIZE of them: junk headers cannot
   * grow it, and once full the rest are simply checked each time.
   */
  const headers = new Map<string, Readonly<Record<string, unknown> & { alg: string }>>();

  /** The protected header (base64url `segment`) of a well-formed compact JWS whose alg is allowed. */
  function allowedHeader(jws: CompactJws, segment: string): Readonly<Record<string, unknown> & { alg: string }> {
    const known = headers.get(segment);
    if (known) return known;
    const header = readProtectedHeader(jws);
    const alg = header['alg'];
    if (typeof alg !== 'string' || alg === '') throw new AuthError('malformed_token', 'token header has no "alg"');
    if (!allowed.has(alg)) throw new AuthError('algorithm_not_allowed', `token algorithm ${alg} is not allowed`);
    const checked = Object.freeze(header as Record<string, unknown> & { alg: string });
    if (headers.size < HEADER_CACHE_SIZE) headers.set(segment, checked);
    return checked;
  }

  /**
   * Tries the sources serving the token's alg in order, since a signature the PEM key does not
   * verify may be a JWKS key's. Keys at hand, and a JWKS key jose already selected for this
   * header, are tried in this tick; otherwise the JWKS source (always last) is handed back for
   * verifyWithJwks.
   */
  function verifyAtHand(token: string): Identity | { readonly jwks: JwksSource; readonly algorithms: ReadonlySet<string> } {
    if (typeof token !== 'string' || token === '') throw new AuthError('missing_token', 'no token');
    const jws = splitCompactJws(token);
    const segment = headerSegment(jws);
    const header = allowedHeader(jws, segment);
    const candidates = sourcesFor.get(header.alg)!; // allowed ⇒ at least one source serves the alg
    for (const [i, source] of candidates.entries()) {
      let keys: readonly KeyObject[];
      if ('jwks' in source) {
        const key = source.jwks.keyAtHand(segment);
        if (!key) return source;
        keys = [key];
      } else {
        keys = source.keys;
      }
      try {
        return identityFromClaims(verifyJwtSync(jws, header, keys, checks), mapping, hashToken(token));
      } catch (err) {
        if (err instanceof AuthError && err.reason === 'invalid_signature' && i < candidates.length - 1) continue;
        throw err;
      }
    }
    throw new AuthError('algorithm_not_allowed', `token algorithm ${header.alg} is not allowed`); // unreachable: allowed ⇒ a source serves it
  }

  async function verifyWithJwks(token: string, jwks: JwksSource, algorithms: ReadonlySet<string>): Promise<Identity> {
    const options: JWTVerifyOptions = { ...jwtOptions, algorithms: [...algorithms] };
    const identity = (payload: Record<string, unknown>): Identity => identityFromClaims(payload, mapping, hashToken(token));
    try {
      return identity((await jwtVerify(token, jwks.resolve, options)).payload);
    } catch (err) {
      if (!(err instanceof joseErrors.JWKSMultipleMatchingKeys)) throw err;
      // No kid and several keys fit the alg: try each candidate; the first whose signature verifies decides.
      for await (const candidate of err) {
        try {
          return identity((await jwtVerify(token, candidate, options)).payload);
        } catch (inner) {
          if (inner instanceof joseErrors.JWSSignatureVerificationFailed) continue;
          throw inner;
        }
      }
      throw new AuthError('invalid_signature', 'token signature is invalid');
    }
  }

  /**
   * The warm-up key is tried first for HS256, so a warm-up token verifies the way a deployment's
   * own tokens do, in one attempt (before the edge listens no other token arrives).
   */
  function admitWarmup(): WarmupAdmission {
    const secret = randomBytes(32).toString('base64url');
    const source: KeySource = { algorithms: new Set(['HS256']), keys: [createSecretKey(Buffer.from(secret, 'utf8'))] };
    const configured = sourcesFor.get('HS256');
    allowed.add('HS256');
    sourcesFor.set('HS256', [source, ...(configured ?? [])]);
    let ended = false;
    return {
      sign: (sub, account) => signDevToken({ secret, sub, account, permissions: [], ttlSec: 600, claims: mapping, issuer: checks.issuer, audience: checks.audience }),
      end() {
        if (ended) return;
        ended = true;
        if (configured) {
          sourcesFor.set('HS256', configured);
        } else {
          sourcesFor.delete('HS256');
          allowed.delete('HS256');
        }
        headers.clear(); // an HS256 header checked while it was allowed must be checked again
      },
    };
  }

  return {
    admitWarmup,
    async verify(token: string): Promise<Identity> {
      try {
        const step = verifyAtHand(token);
        return 'jwks' in step ? await verifyWithJwks(token, step.jwks, step.algorithms) : step;
      } catch (err) {
        throw toAuthError(err);
      }
    },
    verifyNow(token: string): Identity | undefined {
      try {
        const step = verifyAtHand(token);
        return 'jwks' in step ? undefined : step;
      } catch (err) {
        throw toAuthError(err);
      }
    },
  };
}
