import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import { createVerifier } from '../src/index.js';
import { SECRET, SECRET_BYTES, makeKey, privateKeyFor, rejectsWith, sign } from './helpers.js';

describe('PEM public key verifier', () => {
  for (const alg of ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']) {
    test(`accepts a good ${alg} token`, async () => {
      const key = await makeKey(alg);
      const verifier = await createVerifier({ publicKeyPem: key.spki });
      const id = await verifier.verify(await sign(key.privateKey, alg, { sub: `${alg}-user`, account_id: 'a1' }));
      assert.equal(id.userId, `${alg}-user`);
      assert.equal(id.accountId, 'a1');
    });
  }

  test('a token signed by another key of the same type is an invalid signature', async () => {
    const [trusted, attacker] = await Promise.all([makeKey('ES256'), makeKey('ES256')]);
    const verifier = await createVerifier({ publicKeyPem: trusted.spki });
    await rejectsWith(verifier.verify(await sign(attacker.privateKey, 'ES256')), 'invalid_signature');
  });

  test('default algorithms follow the key type', async () => {
    const [rsa, p256, p384, ed] = await Promise.all([makeKey('RS256'), makeKey('ES256'), makeKey('ES384'), makeKey('EdDSA')]);
    const rsaVerifier = await createVerifier({ publicKeyPem: rsa.spki });
    await rsaVerifier.verify(await sign(await privateKeyFor(rsa, 'PS384'), 'PS384')); // one RSA key serves RS* and PS*
    await rejectsWith(rsaVerifier.verify(await sign(p256.privateKey, 'ES256')), 'algorithm_not_allowed');
    await rejectsWith(rsaVerifier.verify(await sign(SECRET_BYTES, 'HS256')), 'algorithm_not_allowed');
    const p256Verifier = await createVerifier({ publicKeyPem: p256.spki });
    await rejectsWith(p256Verifier.verify(await sign(p384.privateKey, 'ES384')), 'algorithm_not_allowed');
    await rejectsWith(p256Verifier.verify(await sign(rsa.privateKey, 'RS256')), 'algorithm_not_allowed');
    const edVerifier = await createVerifier({ publicKeyPem: ed.spki });
    await rejectsWith(edVerifier.verify(await sign(p256.privateKey, 'ES256')), 'algorithm_not_allowed');
    await edVerifier.verify(await sign(await privateKeyFor(ed, 'Ed25519'), 'Ed25519')); // the fully-specified name for the same algorithm
  });

  test('algorithms narrows what the key type allows', async () => {
    const rsa = await makeKey('RS256');
    const verifier = await createVerifier({ publicKeyPem: rsa.spki, algorithms: ['RS256'] });
    await verifier.verify(await sign(rsa.privateKey, 'RS256'));
    await rejectsWith(verifier.verify(await sign(await privateKeyFor(rsa, 'PS256'), 'PS256')), 'algorithm_not_allowed');
    await rejectsWith(verifier.verify(await sign(await privateKeyFor(rsa, 'RS512'), 'RS512')), 'algorithm_not_allowed');
  });

  test('a PKCS#1 "RSA PUBLIC KEY" PEM is accepted too', async () => {
    const rsa = await makeKey('RS256');
    const pkcs1 = createPublicKey(rsa.spki).export({ type: 'pkcs1', format: 'pem' }).toString();
    assert.match(pkcs1, /BEGIN RSA PUBLIC KEY/);
    const verifier = await createVerifier({ publicKeyPem: pkcs1 });
    await verifier.verify(await sign(rsa.privateKey, 'RS256'));
  });

  test('weak or unsupported keys are refused at creation', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await assert.rejects(createVerifier({ publicKeyPem: weak }), /too small/);
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await assert.rejects(createVerifier({ publicKeyPem: k1 }), /unsupported EC curve secp256k1/);
    const x = generateKeyPairSync('x25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await assert.rejects(createVerifier({ publicKeyPem: x }), /unsupported key type x25519/);
  });

  test('secret and PEM together: the alg header picks the key', async () => {
    const rsa = await makeKey('RS256');
    const verifier = await createVerifier({ secret: SECRET, publicKeyPem: rsa.spki });
    assert.equal((await verifier.verify(await sign(SECRET_BYTES, 'HS256', { sub: 'hs' }))).userId, 'hs');
    assert.equal((await verifier.verify(await sign(rsa.privateKey, 'RS256', { sub: 'rs' }))).userId, 'rs');
    // The PEM text as an HMAC secret is just a wrong secret here.
    await rejectsWith(verifier.verify(await sign(new TextEncoder().encode(rsa.spki), 'HS256')), 'invalid_signature');
    // An HS header on an RSA signature, and the other way round.
    const rs = await sign(rsa.privateKey, 'RS256');
    const hs = await sign(SECRET_BYTES, 'HS256');
    const [rsHeader, rsPayload, rsSig] = rs.split('.');
    const [hsHeader, hsPayload, hsSig] = hs.split('.');
    await rejectsWith(verifier.verify(`${hsHeader}.${rsPayload}.${rsSig}`), 'invalid_signature');
    await rejectsWith(verifier.verify(`${rsHeader}.${hsPayload}.${hsSig}`), 'invalid_signature');
  });
});
