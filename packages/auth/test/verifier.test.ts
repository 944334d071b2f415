import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { CompactSign, SignJWT } from 'jose';
import { AuthError, createVerifier, hashToken, signDevToken } from '../src/index.js';
import { SECRET, SECRET_BYTES, b64url, makeKey, now, rejectsWith, sign, unsignedToken } from './helpers.js';

describe('HMAC verifier', () => {
  for (const alg of ['HS256', 'HS384', 'HS512']) {
    test(`accepts a good ${alg} token and maps its claims`, async () => {
      const verifier = await createVerifier({ secret: SECRET });
      const exp = now() + 600;
      const iat = now() - 5;
      const token = await sign(SECRET_BYTES, alg, { sub: 'u-42', account_id: 'acc-7', permissions: ['a', 'b'], sid: 's-1', api_token_id: 't-1', kind: 'worker', exp, iat });
      const id = await verifier.verify(token);
      assert.deepEqual(
        { ...id },
        {
          userId: 'u-42',
          accountId: 'acc-7',
          permissions: ['a', 'b'],
          kind: 'worker',
          sessionId: 's-1',
          apiTokenId: 't-1',
          expiresAt: exp * 1000,
          issuedAt: iat * 1000,
          tokenHash: hashToken(token),
        },
      );
    });
  }

  test('optional claims are undefined, kind defaults to user, permissions to []', async () => {
    const verifier = await createVerifier({ secret: SECRET });
    const id = await verifier.verify(await sign(SECRET_BYTES, 'HS256', { sub: 'u', exp: null }));
    assert.equal(id.userId, 'u');
    assert.equal(id.accountId, undefined);
    assert.equal(id.sessionId, undefined);
    assert.equal(id.apiTokenId, undefined);
    assert.equal(id.expiresAt, undefined);
    assert.equal(id.kind, 'user');
    assert.deepEqual(id.permissions, []);
  });

  test('algorithms narrows the HMAC family', async () => {
    const verifier = await createVerifier({ secret: SECRET, algorithms: ['HS512'] });
    await verifier.verify(await sign(SECRET_BYTES, 'HS512'));
    await rejectsWith(verifier.verify(await sign(SECRET_BYTES, 'HS256')), 'algorithm_not_allowed');
  });
});

describe('failure reasons', () => {
  test('bad signature: other secret, tampered payload, tampered signature', async () => {
    const verifier = await createVerifier({ secret: SECRET });
    await rejectsWith(verifier.verify(await sign(new TextEncoder().encode('another-secret-that-is-long-enough-xx'), 'HS256')), 'invalid_signature');
    const good = await sign(SECRET_BYTES, 'HS256', { permissions: ['read'] });
    const [h, , s] = good.split('.');
    const forged = `${h}.${b64url({ sub: 'user-1', permissions: ['admin'], exp: now() + 3600 })}.${s}`;
    await rejectsWith(verifier.verify(forged), 'invalid_signature');
    const flipped = good.slice(0, -2) + (good.endsWith('AA') ? 'BB' : 'AA');
    await rejectsWith(verifier.verify(flipped), 'invalid_signature');
  });

  test('expired, and within the clock tolerance still accepted', async () => {
    const verifier = await createVerifier({ secret: SECRET });
    await rejectsWith(verifier.verify(await sign(SECRET_BYTES, 'HS256', { iat: now() - 120, exp: now() - 60 })), 'token_expired');
    const justExpired = await sign(SECRET_BYTES, 'HS256', { iat: now() - 120, exp: now() - 2 });
    assert.equal((await verifier.verify(justExpired)).userId, 'user-1'); // default tolerance 5 s
    const strict = await createVerifier({ secret: SECRET, clockToleranceSec: 0 });
    await rejectsWith(strict.verify(justExpired), 'token_expired');
    const lenient = await createVerifier({ secret: SECRET, clockToleranceSec: 120 });
    await lenient.verify(await sign(SECRET_BYTES, 'HS256', { iat: now() - 120, exp: now() - 60 }));
  });

  test('not yet valid (nbf), and within the clock tolerance accepted', async () => {
    const verifier = await createVerifier({ secret: SECRET });
    await rejectsWith(verifier.verify(await sign(SECRET_BYTES, 'HS256', { nbf: now() + 60 })), 'token_not_yet_valid');
    await verifier.verify(await sign(SECRET_BYTES, 'HS256', { nbf: now() + 2 }));
  });

  test('wrong or missing issuer', async () => {
    const verifier = await createVerifier({ secret: SECRET, issuer: 'https://id.example.com/' });
    await verifier.verify(await sign(SECRET_BYTES, 'HS256', { iss: 'https://id.example.com/' }));
    await rejectsWith(verifier.verify(await sign(SECRET_BYTES, 'HS256', { iss: 'https://evil.example.com/' })), 'wrong_issuer');
    await rejectsWith(verifier.verify(await sign(SECRET_BYTES, 'HS256')), 'wrong_issuer');
  });

  test('wrong or missing audience; an audience array containing ours is fine', async () => {
    const verifier = await createVerifier({ secret: SECRET, audience: 'herald' });
    await verifier.verify(await sign(SECRET_BYTES, 'HS256', { aud: 'herald' }));
    await verifier.verify(await sign(SECRET_BYTES, 'HS256', { aud: ['billing', 'herald'] }));
    await rejectsWith(verifier.verify(await sign(SECRET_BYTES, 'HS256', { aud: 'billing' })), 'wrong_audience');
    await rejectsWith(verifier.verify(await sign(SECRET_BYTES, 'HS256')), 'wrong_audience');
  });

  test('alg none is refused, whatever the key sources', async () => {
    const hs = await createVerifier({ secret: SECRET });
    await rejectsWith(hs.verify(unsignedToken()), 'algorithm_not_allowed');
    const rsa = await makeKey('RS256');
    const rs = await createVerifier({ publicKeyPem: rsa.spki });
    await rejectsWith(rs.verify(unsignedToken()), 'algorithm_not_allowed');
    // Also with a bogus signature part and odd capitalisation.
    await rejectsWith(hs.verify(`${b64url({ alg: 'None' })}.${b64url({ sub: 'x' })}.AAAA`), 'algorithm_not_allowed');
  });

  test('HS/RS confusion: an HS256 token keyed with the public PEM is refused by an RS-only verifier', async () => {
    const rsa = await makeKey('RS256');
    const verifier = await createVerifier({ publicKeyPem: rsa.spki });
    const confused = await sign(new TextEncoder().encode(rsa.spki), 'HS256');
    await rejectsWith(verifier.verify(confused), 'algorithm_not_allowed');
    await verifier.verify(await sign(rsa.privateKey, 'RS256'));
  });

  test('malformed strings', async () => {
    const verifier = await createVerifier({ secret: SECRET });
    for (const bad of ['abc', 'a.b.c', 'a.b', '..', 'a.b.c.d.e', '!!!.@@@.###', 'e30.e30.e30', `${b64url('not json')}.${b64url({ sub: 'x' })}.sig`]) {
      await rejectsWith(verifier.verify(bad), 'malformed_token');
    }
    await rejectsWith(verifier.verify(`${b64url({ typ: 'JWT' })}.${b64url({ sub: 'x' })}.sig`), 'malformed_token'); // no alg
    await rejectsWith(verifier.verify(`${b64url({ alg: 42 })}.${b64url({ sub: 'x' })}.sig`), 'malformed_token');
    await rejectsWith(verifier.verify(''), 'missing_token');
  });

  test('a correctly signed payload that is not a JSON object is malformed', async () => {
    const verifier = await createVerifier({ secret: SECRET });
    const jws = await new CompactSign(new TextEncoder().encode('hello')).setProtectedHeader({ alg: 'HS256' }).sign(SECRET_BYTES);
    await rejectsWith(verifier.verify(jws), 'malformed_token');
    const arr = await new CompactSign(new TextEncoder().encode('[1,2]')).setProtectedHeader({ alg: 'HS256' }).sign(SECRET_BYTES);
    await rejectsWith(verifier.verify(arr), 'malformed_token');
  });

  test('missing user claim, wrong claim types', async () => {
    const verifier = await createVerifier({ secret: SECRET });
    await rejectsWith(verifier.verify(await sign(SECRET_BYTES, 'HS256', { sub: null })), 'missing_claim');
    await rejectsWith(verifier.verify(await sign(SECRET_BYTES, 'HS256', { kind: 'admin' })), 'malformed_token');
    await rejectsWith(verifier.verify(await sign(SECRET_BYTES, 'HS256', { permissions: [1, 2] })), 'malformed_token');
    await rejectsWith(verifier.verify(await sign(SECRET_BYTES, 'HS256', { exp: 'tomorrow' })), 'malformed_token');
  });

  test('only AuthError ever escapes verify()', async () => {
    const verifier = await createVerifier({ secret: SECRET });
    const inputs: unknown[] = [
      undefined,
      null,
      42,
      {},
      '.',
      '\u0000.\u0000.\u0000',
      '💥.💥.💥',
      `${b64url({ alg: 'HS256', crit: ['exp'] , exp: 1 })}.${b64url({ sub: 'x' })}.sig`,
      `${b64url({ alg: 'HS256', b64: false, crit: ['b64'] })}.${b64url({ sub: 'x' })}.sig`,
      `${b64url({ alg: 'HS256' })}.${'A'.repeat(10_000)}.sig`,
      'Bearer abc.def.ghi',
    ];
    for (const input of inputs) {
      await assert.rejects(verifier.verify(input as string), (err: unknown) => err instanceof AuthError, `input ${String(input)}`);
    }
  });
});

describe('configuration', () => {
  test('at least one key source is required', async () => {
    await assert.rejects(createVerifier({}), /at least one key source/);
  });

  test('a secret shorter than 32 bytes is refused at creation', async () => {
    await assert.rejects(createVerifier({ secret: 'short-secret' }), /at least 32 bytes/);
    await createVerifier({ secret: 'x'.repeat(32) });
  });

  test('unknown or unserved algorithms are refused at creation', async () => {
    await assert.rejects(createVerifier({ secret: SECRET, algorithms: ['none'] }), /unsupported algorithm "none"/);
    await assert.rejects(createVerifier({ secret: SECRET, algorithms: ['RS256'] }), /allows no HS256/);
    await assert.rejects(createVerifier({ secret: SECRET, algorithms: [] }), /must not be empty/);
    const ec = await makeKey('ES256');
    await assert.rejects(createVerifier({ publicKeyPem: ec.spki, algorithms: ['RS256'] }), /publicKeyPem fits ES256/);
    await assert.rejects(createVerifier({ secret: SECRET, publicKeyPem: ec.spki, algorithms: ['HS256', 'ES256', 'RS256'] }), /RS256 fit none/);
  });

  test('bad PEM input is refused at creation', async () => {
    await assert.rejects(createVerifier({ publicKeyPem: 'not a pem' }), /not a readable PEM/);
    const rsa = await makeKey('RS256');
    const { exportPKCS8 } = await import('jose');
    await assert.rejects(createVerifier({ publicKeyPem: await exportPKCS8(rsa.privateKey) }), /private key/);
  });

  test('bad numbers and URLs are refused at creation', async () => {
    await assert.rejects(createVerifier({ secret: SECRET, clockToleranceSec: -1 }), /clockToleranceSec/);
    await assert.rejects(createVerifier({ jwksUrl: 'not a url' }), /jwksUrl is not a URL/);
    await assert.rejects(createVerifier({ jwksUrl: 'file:///etc/passwd' }), /must be http/);
    await assert.rejects(createVerifier({ secret: SECRET, claims: { user: '' } }), /non-empty/);
  });
});

describe('tokenHash', () => {
  test('is the hex SHA-256 of the raw token, stable, and not the token', async () => {
    const verifier = await createVerifier({ secret: SECRET });
    const token = await signDevToken({ secret: SECRET, sub: 'u' });
    const a = await verifier.verify(token);
    const b = await verifier.verify(token);
    assert.equal(a.tokenHash, b.tokenHash);
    assert.equal(a.tokenHash, createHash('sha256').update(token).digest('hex'));
    assert.match(a.tokenHash, /^[0-9a-f]{64}$/);
    assert.notEqual(a.tokenHash, token);
    assert.ok(!a.tokenHash.includes(token.split('.')[2] as string));
    const other = await verifier.verify(await signDevToken({ secret: SECRET, sub: 'u' }));
    assert.notEqual(other.tokenHash, a.tokenHash);
    assert.equal(hashToken('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  test('it travels with the identity as a plain field: spread, JSON (the wire to authz) and structured clones carry it', async () => {
    const verifier = await createVerifier({ secret: SECRET });
    const token = await signDevToken({ secret: SECRET, sub: 'u' });
    const id = verifier.verifyNow(token)!;
    const expected = hashToken(token);
    assert.equal((JSON.parse(JSON.stringify(id)) as { tokenHash: string }).tokenHash, expected);
    assert.equal({ ...id }.tokenHash, expected);
    assert.equal(structuredClone(id).tokenHash, expected);
    assert.ok(Object.keys(id).includes('tokenHash'));
  });
});

describe('header cache', () => {
  test('a header seen before skips only its own parsing: signature, claims and revocation-relevant fields are checked per token', async () => {
    const verifier = await createVerifier({ secret: SECRET, issuer: 'iss-1' });
    const good = await sign(SECRET_BYTES, 'HS256', { sub: 'u1', iss: 'iss-1', exp: now() + 600 });
    assert.equal(verifier.verifyNow(good)?.userId, 'u1');
    // Same header segment (the cache hits), each with one fault of its own.
    const [header, payload] = good.split('.') as [string, string, string];
    const flipped = `${header}.${payload}.${b64url('not the signature')}`;
    assert.throws(() => verifier.verifyNow(flipped), (e: AuthError) => e.reason === 'invalid_signature');
    const expired = await sign(SECRET_BYTES, 'HS256', { sub: 'u1', iss: 'iss-1', exp: now() - 600 });
    assert.equal(expired.split('.')[0], header);
    assert.throws(() => verifier.verifyNow(expired), (e: AuthError) => e.reason === 'token_expired');
    const wrongIssuer = await sign(SECRET_BYTES, 'HS256', { sub: 'u1', iss: 'other', exp: now() + 600 });
    assert.throws(() => verifier.verifyNow(wrongIssuer), (e: AuthError) => e.reason === 'wrong_issuer');
    const other = await sign(SECRET_BYTES, 'HS256', { sub: 'u2', iss: 'iss-1', exp: now() + 600 });
    assert.equal(verifier.verifyNow(other)?.userId, 'u2');
    // Three parts are still required of a token whose header is known.
    assert.throws(() => verifier.verifyNow(`${good}.x`), (e: AuthError) => e.reason === 'malformed_token');
    assert.throws(() => verifier.verifyNow(`${header}.${payload}`), (e: AuthError) => e.reason === 'malformed_token');
  });

  test('a header refused once is refused again (refusals are not kept), and many distinct headers do not break verification', async () => {
    const verifier = await createVerifier({ secret: SECRET });
    const none = unsignedToken();
    for (let i = 0; i < 2; i++) assert.throws(() => verifier.verifyNow(none), (e: AuthError) => e.reason === 'algorithm_not_allowed');
    // More distinct valid headers than the cache holds: each still verifies (checked each time once it is full).
    for (let i = 0; i < 100; i++) {
      const token = await new SignJWT({ sub: `u${i}` }).setProtectedHeader({ alg: 'HS256', kid: `k${i}` }).sign(SECRET_BYTES);
      assert.equal(verifier.verifyNow(token)?.userId, `u${i}`);
    }
  });
});

test('the identity is immutable', async () => {
  const verifier = await createVerifier({ secret: SECRET });
  const id = await verifier.verify(await new SignJWT({ sub: 'u', permissions: ['a'] }).setProtectedHeader({ alg: 'HS256' }).sign(SECRET_BYTES));
  assert.throws(() => (id.permissions as string[]).push('admin'));
  assert.throws(() => ((id as { userId: string }).userId = 'root'));
});
