import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { AuthError, createVerifier } from '../src/index.js';
import { SECRET, SECRET_BYTES, makeKey, rejectsWith, sign, startJwksServer, type JwksServer } from './helpers.js';

const servers: JwksServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});
async function server(...args: Parameters<typeof startJwksServer>): Promise<JwksServer> {
  const s = await startJwksServer(...args);
  servers.push(s);
  return s;
}

describe('JWKS verifier', () => {
  test('verifies RS256, PS256, ES256, ES384 and EdDSA tokens by kid from a local JWKS server', async () => {
    const keys = await Promise.all(['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'].map((alg) => makeKey(alg)));
    const jwks = await server(keys.map((k) => k.jwk));
    const verifier = await createVerifier({ jwksUrl: jwks.url });
    for (const k of keys) {
      const id = await verifier.verify(await sign(k.privateKey, k.alg, { sub: `sub-${k.alg}` }, { kid: k.kid }));
      assert.equal(id.userId, `sub-${k.alg}`);
    }
    assert.equal(jwks.hits, 1, 'the key set is fetched once and cached');
  });

  test('a token without kid verifies when exactly one key fits its alg', async () => {
    const k = await makeKey('ES256');
    const jwks = await server([k.jwk]);
    const verifier = await createVerifier({ jwksUrl: jwks.url });
    await verifier.verify(await sign(k.privateKey, 'ES256'));
  });

  test('several candidate keys without kid: jose tries each one, never in this tick', async () => {
    const [a, b] = await Promise.all([makeKey('ES256'), makeKey('ES256')]);
    const { kid: _a, ...jwkA } = a.jwk;
    const { kid: _b, ...jwkB } = b.jwk;
    const jwks = await server([jwkA, jwkB]);
    const verifier = await createVerifier({ jwksUrl: jwks.url });
    for (let i = 0; i < 3; i++) await verifier.verify(await sign(b.privateKey, 'ES256'));
    // No single key belongs to the header, so none is kept for it.
    assert.equal(verifier.verifyNow(await sign(b.privateKey, 'ES256')), undefined);
    assert.equal(verifier.verifyNow(await sign(a.privateKey, 'ES256')), undefined);
    const stranger = await makeKey('ES256');
    await rejectsWith(verifier.verify(await sign(stranger.privateKey, 'ES256')), 'invalid_signature');
  });

  test('unknown kid, wrong key and unlisted alg', async () => {
    const [k, stranger] = await Promise.all([makeKey('RS256'), makeKey('RS256')]);
    const jwks = await server([k.jwk]);
    const verifier = await createVerifier({ jwksUrl: jwks.url, jwksCooldownMs: 60_000 });
    await rejectsWith(verifier.verify(await sign(stranger.privateKey, 'RS256', {}, { kid: 'nobody' })), 'invalid_signature');
    await rejectsWith(verifier.verify(await sign(stranger.privateKey, 'RS256', {}, { kid: k.kid })), 'invalid_signature');
    await rejectsWith(verifier.verify(await sign(SECRET_BYTES, 'HS256', {}, { kid: k.kid })), 'algorithm_not_allowed');
    const narrowed = await createVerifier({ jwksUrl: jwks.url, algorithms: ['ES256'] });
    await rejectsWith(narrowed.verify(await sign(k.privateKey, 'RS256', {}, { kid: k.kid })), 'algorithm_not_allowed');
  });

  test('key rotation: a new kid is picked up by a refetch after the cooldown', async () => {
    const [oldKey, newKey] = await Promise.all([makeKey('ES256', 'k-2024'), makeKey('ES256', 'k-2025')]);
    const jwks = await server([oldKey.jwk]);
    const verifier = await createVerifier({ jwksUrl: jwks.url, jwksCooldownMs: 0 });
    await verifier.verify(await sign(oldKey.privateKey, 'ES256', {}, { kid: 'k-2024' }));
    assert.equal(jwks.hits, 1);

    jwks.keys = [oldKey.jwk, newKey.jwk]; // the IdP publishes the next key
    const id = await verifier.verify(await sign(newKey.privateKey, 'ES256', { sub: 'rotated' }, { kid: 'k-2025' }));
    assert.equal(id.userId, 'rotated');
    assert.equal(jwks.hits, 2, 'the unknown kid triggered exactly one refetch');

    jwks.keys = [newKey.jwk]; // the old key is retired; cached keys are still served until the next refetch
    await verifier.verify(await sign(newKey.privateKey, 'ES256', {}, { kid: 'k-2025' }));
    assert.equal(jwks.hits, 2);
  });

  test('during the cooldown an unknown kid does not hammer the JWKS endpoint', async () => {
    const [oldKey, newKey] = await Promise.all([makeKey('ES256', 'old'), makeKey('ES256', 'new')]);
    const jwks = await server([oldKey.jwk]);
    const verifier = await createVerifier({ jwksUrl: jwks.url, jwksCooldownMs: 60_000 });
    await verifier.verify(await sign(oldKey.privateKey, 'ES256', {}, { kid: 'old' }));
    jwks.keys = [oldKey.jwk, newKey.jwk];
    for (let i = 0; i < 5; i++) {
      await rejectsWith(verifier.verify(await sign(newKey.privateKey, 'ES256', {}, { kid: 'new' })), 'invalid_signature');
    }
    assert.equal(jwks.hits, 1);
  });

  test('JWKS endpoint down → jwks_unavailable; cached keys keep working', async () => {
    const k = await makeKey('ES256', 'k1');
    const jwks = await server([k.jwk]);
    const url = jwks.url;
    const cold = await createVerifier({ jwksUrl: url });
    const warm = await createVerifier({ jwksUrl: url });
    const token = await sign(k.privateKey, 'ES256', {}, { kid: 'k1' });
    await warm.verify(token);
    await jwks.close();
    await rejectsWith(cold.verify(token), 'jwks_unavailable');
    await warm.verify(token);
  });

  test('JWKS non-200, bad body and timeout → jwks_unavailable', async () => {
    const k = await makeKey('ES256', 'k1');
    const token = await sign(k.privateKey, 'ES256', {}, { kid: 'k1' });

    const failing = await server([k.jwk]);
    failing.status = 500;
    await rejectsWith((await createVerifier({ jwksUrl: failing.url })).verify(token), 'jwks_unavailable');

    const garbage = await server([{ kty: 'nonsense' } as never]);
    garbage.keys = 'not-an-array' as never;
    await rejectsWith((await createVerifier({ jwksUrl: garbage.url })).verify(token), 'jwks_unavailable');

    const hanging = await server([k.jwk]);
    hanging.hang = true;
    const started = Date.now();
    await rejectsWith((await createVerifier({ jwksUrl: hanging.url, jwksTimeoutMs: 200 })).verify(token), 'jwks_unavailable');
    assert.ok(Date.now() - started < 5_000, 'the timeout applies');
  });

  test('once jose has selected the key for a header, tokens with that header verify in this tick', async () => {
    const keys = await Promise.all(['RS256', 'PS256', 'ES256', 'EdDSA'].map((alg) => makeKey(alg)));
    const jwks = await server(keys.map((k) => k.jwk));
    const verifier = await createVerifier({ jwksUrl: jwks.url, issuer: 'https://idp.example' });
    for (const k of keys) {
      const token = (claims: Record<string, unknown> = {}) => sign(k.privateKey, k.alg, { iss: 'https://idp.example', ...claims }, { kid: k.kid });
      assert.equal(verifier.verifyNow(await token()), undefined, `${k.alg}: no key selected yet, so I/O is needed`);
      await verifier.verify(await token()); // the fetch
      await verifier.verify(await token()); // a selection from the set jose now holds
      assert.equal(verifier.verifyNow(await token({ sub: `now-${k.alg}` }))?.userId, `now-${k.alg}`);
      // The same checks as every other key: signature, expiry, issuer.
      const stranger = await makeKey(k.alg);
      const forged = `${(await token()).split('.').slice(0, 2).join('.')}.${(await sign(stranger.privateKey, k.alg, {}, { kid: k.kid })).split('.')[2]}`;
      assert.throws(() => verifier.verifyNow(forged), (e: AuthError) => e.reason === 'invalid_signature');
      assert.throws(() => verifier.verifyNow(''), (e: AuthError) => e.reason === 'missing_token');
    }
    assert.equal(jwks.hits, 1);
    const es = keys[2]!;
    const expired = await sign(es.privateKey, 'ES256', { iss: 'https://idp.example', exp: Math.floor(Date.now() / 1000) - 3600 }, { kid: es.kid });
    assert.throws(() => verifier.verifyNow(expired), (e: AuthError) => e.reason === 'token_expired');
    const otherIssuer = await sign(es.privateKey, 'ES256', { iss: 'https://evil.example' }, { kid: es.kid });
    assert.throws(() => verifier.verifyNow(otherIssuer), (e: AuthError) => e.reason === 'wrong_issuer');
  });

  test('a key retired from the set stops verifying in this tick after the refetch that dropped it', async () => {
    const [oldKey, newKey] = await Promise.all([makeKey('ES256', 'k-old'), makeKey('ES256', 'k-new')]);
    const jwks = await server([oldKey.jwk]);
    const verifier = await createVerifier({ jwksUrl: jwks.url, jwksCooldownMs: 0 });
    const oldToken = () => sign(oldKey.privateKey, 'ES256', { sub: 'old' }, { kid: 'k-old' });
    await verifier.verify(await oldToken());
    await verifier.verify(await oldToken());
    assert.equal(verifier.verifyNow(await oldToken())?.userId, 'old');

    jwks.keys = [newKey.jwk]; // the IdP retires the old key; an unknown kid makes jose refetch
    assert.equal((await verifier.verify(await sign(newKey.privateKey, 'ES256', { sub: 'new' }, { kid: 'k-new' }))).userId, 'new');
    assert.equal(jwks.hits, 2);
    assert.equal(verifier.verifyNow(await oldToken()), undefined, 'the kept key belonged to the previous key set');
    await rejectsWith(verifier.verify(await oldToken()), 'invalid_signature');
  });

  test('secret, PEM and JWKS together: HS to the secret, others to the PEM then the JWKS', async () => {
    const [pemKey, jwksKey] = await Promise.all([makeKey('ES256', 'static'), makeKey('ES256', 'remote')]);
    const jwks = await server([jwksKey.jwk]);
    const verifier = await createVerifier({ secret: SECRET, publicKeyPem: pemKey.spki, jwksUrl: jwks.url });
    assert.equal((await verifier.verify(await sign(SECRET_BYTES, 'HS256', { sub: 'hs' }))).userId, 'hs');
    assert.equal((await verifier.verify(await sign(pemKey.privateKey, 'ES256', { sub: 'pem' }))).userId, 'pem');
    assert.equal(jwks.hits, 0, 'a PEM match needs no JWKS fetch');
    assert.equal((await verifier.verify(await sign(jwksKey.privateKey, 'ES256', { sub: 'jwks' }, { kid: 'remote' }))).userId, 'jwks');
    assert.equal(jwks.hits, 1);
    // Only the JWKS serves RS256 here (the PEM is P-256).
    const rsa = await makeKey('RS256', 'rsa');
    jwks.keys = [jwksKey.jwk, rsa.jwk];
    const fresh = await createVerifier({ secret: SECRET, publicKeyPem: pemKey.spki, jwksUrl: jwks.url });
    assert.equal((await fresh.verify(await sign(rsa.privateKey, 'RS256', { sub: 'rsa' }, { kid: 'rsa' }))).userId, 'rsa');
    const stranger = await makeKey('ES256');
    await rejectsWith(verifier.verify(await sign(stranger.privateKey, 'ES256', {}, { kid: 'remote' })), 'invalid_signature');
  });
});
