import { constants, createHmac, timingSafeEqual, verify as verifySignature, type KeyObject } from 'node:crypto';
import { AuthError } from './errors.js';

/**
 * Synchronous compact-JWS and JWT-claims verification with node:crypto, following jose's
 * `jwtVerify` rule for rule (header, `crit`/`b64`, signature, then claims) and failing with the
 * same AuthError reasons that jose's errors map to (verifier.ts `toAuthError`).
 *
 * Why not jose here: jose verifies through WebCrypto, whose jobs complete on libuv's threadpool.
 * The WebSocket upgrade then has to finish outside the request's uWS callback, and that async
 * `res.cork(() => res.upgrade())` path of uWebSockets.js v20.30 sometimes closes the new socket
 * right after `open` (uNetworking/uWebSockets#1929, fixed upstream in 2026, not in a build this
 * platform's glibc can load). Verifying in the upgrade handler itself takes that path out, and
 * saves the threadpool round trip on every connect. jose still fetches and selects JWKS keys.
 */

export interface ClaimChecks {
  readonly issuer?: string;
  readonly audience?: string;
  readonly clockToleranceSec: number;
}

const B64URL = /^[A-Za-z0-9_-]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const HASH: Readonly<Record<string, string>> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };

function base64url(part: string, what: string): Buffer {
  if (!B64URL.test(part)) throw new AuthError('malformed_token', `token is malformed: ${what} is not base64url`);
  return Buffer.from(part, 'base64url');
}

function jsonObject(bytes: Buffer, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch {
    throw new AuthError('malformed_token', `token is malformed: ${what} is not JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new AuthError('malformed_token', `token is malformed: ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** A compact JWS cut at its two dots: header, payload and signature segments. */
export interface CompactJws {
  readonly token: string;
  /** Index of the dot after the header segment. */
  readonly headerEnd: number;
  /** Index of the dot before the signature segment. */
  readonly signatureStart: number;
}

/** Cuts `token` into its three segments, or fails as jose does when it does not have exactly three. */
export function splitCompactJws(token: string): CompactJws {
  const headerEnd = token.indexOf('.');
  const signatureStart = headerEnd < 0 ? -1 : token.indexOf('.', headerEnd + 1);
  if (signatureStart < 0 || token.includes('.', signatureStart + 1)) throw new AuthError('malformed_token', 'token is not a compact JWS (three dot-separated parts)');
  return { token, headerEnd, signatureStart };
}

export const headerSegment = (jws: CompactJws): string => jws.token.slice(0, jws.headerEnd);

/** The protected header of a compact JWS, checked as jose checks it (a JSON object; `crit` only naming `b64`, which a JWT must not turn off). */
export function readProtectedHeader(jws: CompactJws): Record<string, unknown> {
  const header = jsonObject(base64url(headerSegment(jws), 'header'), 'header');
  const crit = header['crit'];
  if (crit !== undefined) {
    if (!Array.isArray(crit) || crit.length === 0 || crit.some((c) => typeof c !== 'string' || c.length === 0)) {
      throw new AuthError('malformed_token', 'token is malformed: "crit" must be an array of non-empty strings');
    }
    for (const name of crit as string[]) {
      if (name !== 'b64') throw new AuthError('malformed_token', `token is malformed: extension header "${name}" is not supported`);
      if (header[name] === undefined) throw new AuthError('malformed_token', `token is malformed: extension header "${name}" is missing`);
    }
    if (crit.includes('b64') && typeof header['b64'] !== 'boolean') throw new AuthError('malformed_token', 'token is malformed: "b64" must be a boolean');
  }
  return header;
}

/** Whether `signature` signs `input` under `alg` with `key`; never throws for a wrong or odd-sized signature. */
function signatureHolds(alg: string, key: KeyObject, input: string, signature: Buffer): boolean {
  const hash = HASH[alg.slice(2)];
  try {
    switch (alg.slice(0, 2)) {
      case 'HS': {
        // Hashing the string (as UTF-8, like the Buffer the others get) skips a copy.
        const expected = createHmac(hash!, key).update(input, 'utf8').digest();
        return expected.length === signature.length && timingSafeEqual(expected, signature);
      }
      case 'RS':
        return verifySignature(hash!, Buffer.from(input, 'utf8'), key, signature);
      case 'PS':
        return verifySignature(hash!, Buffer.from(input, 'utf8'), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, signature);
      case 'ES':
        return verifySignature(hash!, Buffer.from(input, 'utf8'), { key, dsaEncoding: 'ieee-p1363' }, signature);
      default: // EdDSA, Ed25519
        return verifySignature(null, Buffer.from(input, 'utf8'), key, signature);
    }
  } catch {
    return false;
  }
}

/**
 * The claims of `jws` if its signature holds under one of `keys` (tried in order, as jose tries
 * the candidates of a kid-less JWKS); AuthError otherwise. `header` is readProtectedHeader's, its
 * alg already allowed.
 */
export function verifyJwtSync(
  jws: CompactJws,
  header: Readonly<Record<string, unknown>>,
  keys: readonly KeyObject[],
  checks: ClaimChecks,
  nowSec = Math.floor(Date.now() / 1000),
): Record<string, unknown> {
  const { token, headerEnd, signatureStart } = jws;
  const alg = header['alg'] as string;
  const signature = base64url(token.slice(signatureStart + 1), 'signature');
  const input = token.slice(0, signatureStart); // the signing input whether or not the payload is encoded
  if (!keys.some((key) => signatureHolds(alg, key, input, signature))) throw new AuthError('invalid_signature', 'token signature is invalid');
  if ((header['crit'] as string[] | undefined)?.includes('b64') && header['b64'] === false) {
    throw new AuthError('malformed_token', 'token is malformed: JWTs must not use an unencoded payload');
  }
  const claims = jsonObject(base64url(token.slice(headerEnd + 1, signatureStart), 'payload'), 'claims');
  checkClaims(claims, checks, nowSec);
  return claims;
}

function numericDate(claims: Record<string, unknown>, name: string): number | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw new AuthError('malformed_token', `token claim "${name}" is invalid`);
  return value;
}

/** jose's `validateClaimsSet` for the options Herald uses: presence of iss/aud when required, their values, nbf, exp, iat's type. */
function checkClaims(claims: Record<string, unknown>, checks: ClaimChecks, now: number): void {
  const { issuer, audience, clockToleranceSec: tolerance } = checks;
  // Presence in jose's order (iss is reported before aud), then values.
  if (issuer !== undefined && !Object.hasOwn(claims, 'iss')) throw new AuthError('wrong_issuer', 'token issuer is not accepted (missing)');
  if (audience !== undefined && !Object.hasOwn(claims, 'aud')) throw new AuthError('wrong_audience', 'token audience is not accepted (missing)');
  if (issuer !== undefined && claims['iss'] !== issuer) throw new AuthError('wrong_issuer', 'token issuer is not accepted (check_failed)');
  if (audience !== undefined) {
    const aud = claims['aud'];
    const present = typeof aud === 'string' ? aud === audience : Array.isArray(aud) && aud.includes(audience);
    if (!present) throw new AuthError('wrong_audience', 'token audience is not accepted (check_failed)');
  }
  numericDate(claims, 'iat');
  const nbf = numericDate(claims, 'nbf');
  if (nbf !== undefined && nbf > now + tolerance) throw new AuthError('token_not_yet_valid', 'token is not valid yet');
  const exp = numericDate(claims, 'exp');
  if (exp !== undefined && exp <= now - tolerance) throw new AuthError('token_expired', 'token has expired');
}
