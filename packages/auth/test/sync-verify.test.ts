import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FlattenedSign, importSPKI, jwtVerify, type CryptoKey, type JWTVerifyOptions } from 'jose';
import { AuthError, createVerifier, hashToken, identityFromClaims, resolveClaimMapping, toAuthError, type TokenVerifier } from '../src/index.js';
import { b64url, makeKey, now, SECRET, SECRET_BYTES, sign, unsignedToken } from './helpers.js';

/**
 * verifyNow (node:crypto, in this tick) against jose's own jwtVerify on the same tokens: every
 * token must get the same outcome, 'ok' or the same AuthError reason. jose is the reference.
 */

const ISSUER = 'https://issuer.test';
const AUDIENCE = 'herald';
const TOLERANCE = 5;

type Outcome = string;

function syncOutcome(verifier: TokenVerifier, token: string): Outcome {
  try {
    const identity = verifier.verifyNow(token);
    assert.ok(identity, 'a secret or PEM key is always at hand');
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof AuthError, `verifyNow threw ${String(err)}`);
    return err.reason;
  }
}

async function joseOutcome(token: string, key: CryptoKey | Uint8Array, algorithms: string[], claims: JWTVerifyOptions = { issuer: ISSUER, audience: AUDIENCE }): Promise<Outcome> {
  try {
    const { payload } = await jwtVerify(token, key, { algorithms, clockTolerance: TOLERANCE, ...claims });
    identityFromClaims(payload, resolveClaimMapping(undefined), hashToken(token));
    return 'ok';
  } catch (err) {
    return toAuthError(err).reason;
  }
}

/** A correctly signed compact JWS with an unencoded payload (RFC 7797), which a JWT must not be. */
async function unencoded(signer: CryptoKey | Uint8Array, alg: string, payload: string): Promise<string> {
  const jws = await new FlattenedSign(new TextEncoder().encode(payload)).setProtectedHeader({ alg, crit: ['b64'], b64: false }).sign(signer);
  return `${jws.protected}.${jws.payload}.${jws.signature}`;
}

/** Tokens that differ from a good one in one respect each: claims, header, encoding, signature. */
async function cases(signer: CryptoKey | Uint8Array, alg: string): Promise<Record<string, string>> {
  const good = { iss: ISSUER, aud: AUDIENCE };
  const t = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) => sign(signer, alg, { ...good, ...claims }, header);
  const valid = await t({});
  const [h, p, s] = valid.split('.') as [string, string, string];
  const flipped = `${s.slice(0, -2)}${s.at(-2) === 'A' ? 'B' : 'A'}${s.at(-1)}`;
  return {
    valid,
    'expired': await t({ exp: now() - 100 }),
    'expired within the tolerance': await t({ exp: now() - 2 }),
    'exp exactly now minus tolerance': await t({ exp: now() - TOLERANCE }),
    'not yet valid': await t({ nbf: now() + 100 }),
    'nbf within the tolerance': await t({ nbf: now() + 2 }),
    'iat a string': await t({ iat: 'yesterday' }),
    'exp a string': await t({ exp: 'tomorrow' }),
    'nbf a string': await t({ nbf: 'now' }),
    'no exp': await t({ exp: null }),
    'wrong issuer': await t({ iss: 'https://other.test' }),
    'no issuer': await t({ iss: null }),
    'audience in an array': await t({ aud: ['x', AUDIENCE] }),
    'audience not in the array': await t({ aud: ['x', 'y'] }),
    'wrong audience': await t({ aud: 'other' }),
    'no audience': await t({ aud: null }),
    'no subject': await t({ sub: null }),
    'expired and wrong issuer': await t({ exp: now() - 100, iss: 'x' }),
    'crit b64 true': await t({}, { crit: ['b64'], b64: true }),
    'crit b64 false': await unencoded(signer, alg, JSON.stringify({ sub: 'u', exp: now() + 3600, ...good })),
    'crit b64 false, bad signature': `${b64url({ alg, crit: ['b64'], b64: false })}.${p}.${s}`,
    'crit b64 not a boolean': `${b64url({ alg, crit: ['b64'], b64: 'no' })}.${p}.${s}`,
    'crit unknown': `${b64url({ alg, crit: ['exp'], exp: 1 })}.${p}.${s}`,
    'crit empty': `${b64url({ alg, crit: [] })}.${p}.${s}`,
    'crit naming a missing header': `${b64url({ alg, crit: ['b64'] })}.${p}.${s}`,
    'b64 false without crit': await t({}, { b64: false }),
    'kid and typ headers': await t({}, { kid: 'k1', typ: 'JWT' }),
    'flipped signature': `${h}.${p}.${flipped}`,
    'truncated signature': `${h}.${p}.${s.slice(0, 10)}`,
    'empty signature': `${h}.${p}.`,
    'signature not base64url': `${h}.${p}.${s.slice(0, -1)}*`,
    'payload of another token': `${h}.${b64url({ sub: 'attacker', exp: now() + 3600, ...good })}.${s}`,
    'two parts': `${h}.${p}`,
    'four parts': `${valid}.x`,
    'header not JSON': `${b64url('not json')}.${p}.${s}`,
    'header a JSON array': `${b64url([1])}.${p}.${s}`,
    'alg none': unsignedToken({ sub: 'u', exp: now() + 3600, ...good }),
    'alg of another family': `${b64url({ alg: alg.startsWith('HS') ? 'RS256' : 'HS256' })}.${p}.${s}`,
    'alg missing': `${b64url({ typ: 'JWT' })}.${p}.${s}`,
  };
}

describe('verifyNow decides exactly as jose does', () => {
  test('HS256/HS384/HS512 with a secret', async () => {
    const verifier = await createVerifier({ secret: SECRET, issuer: ISSUER, audience: AUDIENCE, clockToleranceSec: TOLERANCE });
    for (const alg of ['HS256', 'HS384', 'HS512']) {
      for (const [name, token] of Object.entries(await cases(SECRET_BYTES, alg))) {
        assert.equal(syncOutcome(verifier, token), await joseOutcome(token, SECRET_BYTES, ['HS256', 'HS384', 'HS512']), `${alg}: ${name}`);
      }
    }
  });

  for (const alg of ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA']) {
    test(`${alg} with a PEM public key`, async () => {
      const key = await makeKey(alg);
      const verifier = await createVerifier({ publicKeyPem: key.spki, issuer: ISSUER, audience: AUDIENCE, clockToleranceSec: TOLERANCE });
      const reference = await importSPKI(key.spki, alg);
      for (const [name, token] of Object.entries(await cases(key.privateKey, alg))) {
        assert.equal(syncOutcome(verifier, token), await joseOutcome(token, reference, [alg]), `${alg}: ${name}`);
      }
    });
  }

  test('headers jose refuses are refused even when validly signed', async () => {
    const verifier = await createVerifier({ secret: SECRET, clockToleranceSec: TOLERANCE });
    const payload = b64url({ sub: 'u', exp: now() + 3600 });
    const signed = (header: Record<string, unknown>) => {
      const input = `${b64url(header)}.${payload}`;
      return `${input}.${createHmac('sha256', SECRET_BYTES).update(input).digest('base64url')}`;
    };
    const headers = {
      plain: { alg: 'HS256' },
      'crit unknown': { alg: 'HS256', crit: ['exp'], exp: 1 },
      'crit empty': { alg: 'HS256', crit: [] },
      'crit not an array': { alg: 'HS256', crit: 'b64', b64: true },
      'crit b64 with a string b64': { alg: 'HS256', crit: ['b64'], b64: 'yes' },
      'crit naming a missing header': { alg: 'HS256', crit: ['b64'] },
    };
    for (const [name, header] of Object.entries(headers)) {
      const token = signed(header);
      assert.equal(syncOutcome(verifier, token), await joseOutcome(token, SECRET_BYTES, ['HS256'], {}), name);
    }
  });

  test('the outcomes cover every path: ok and each refusal reason', async () => {
    const verifier = await createVerifier({ secret: SECRET, issuer: ISSUER, audience: AUDIENCE, clockToleranceSec: TOLERANCE });
    const seen = new Set(Object.values(await cases(SECRET_BYTES, 'HS256')).map((token) => syncOutcome(verifier, token)));
    assert.deepEqual([...seen].sort(), ['algorithm_not_allowed', 'invalid_signature', 'malformed_token', 'missing_claim', 'ok', 'token_expired', 'token_not_yet_valid', 'wrong_audience', 'wrong_issuer']);
  });

  test('a JWKS key takes I/O: verifyNow says undefined and verify() goes through jose', async () => {
    const verifier = await createVerifier({ jwksUrl: 'http://127.0.0.1:9/jwks.json', jwksTimeoutMs: 500 });
    const key = await makeKey('ES256');
    const token = await sign(key.privateKey, 'ES256');
    assert.equal(verifier.verifyNow(token), undefined);
    await assert.rejects(verifier.verify(token), (err: unknown) => err instanceof AuthError && err.reason === 'jwks_unavailable');
    assert.throws(() => verifier.verifyNow('a.b'), (err: unknown) => err instanceof AuthError && err.reason === 'malformed_token', 'shape is checked before any key');
  });
});
