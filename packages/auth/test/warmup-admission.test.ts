import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createVerifier } from '../src/index.js';
import { SECRET, SECRET_BYTES, makeKey, rejectsWith, sign } from './helpers.js';

/** The edge's warm-up connects to itself before it listens, with tokens only `admitWarmup` makes valid. */
describe('admitWarmup', () => {
  test('an RS256-only verifier takes warm-up tokens until end(), then refuses HS256 again', async () => {
    const rsa = await makeKey('RS256');
    const verifier = await createVerifier({ publicKeyPem: rsa.spki });
    const deployment = await sign(rsa.privateKey, 'RS256', { sub: 'real-user', account_id: 'a1' });

    const admission = verifier.admitWarmup();
    const token = await admission.sign('herald-warmup-3', 'herald-warmup');
    const id = verifier.verifyNow(token)!;
    assert.equal(id.userId, 'herald-warmup-3');
    assert.equal(id.accountId, 'herald-warmup');
    assert.equal((await verifier.verify(token)).userId, 'herald-warmup-3');
    // Another HS256 key is still refused while the warm-up runs: only the warm-up's own key is admitted.
    await rejectsWith(verifier.verify(await sign(SECRET_BYTES, 'HS256')), 'invalid_signature');
    assert.equal((await verifier.verify(deployment)).userId, 'real-user');

    admission.end();
    await rejectsWith(verifier.verify(token), 'algorithm_not_allowed');
    assert.throws(() => verifier.verifyNow(token), (e: { reason?: string }) => e.reason === 'algorithm_not_allowed');
    assert.equal((await verifier.verify(deployment)).userId, 'real-user');
    admission.end(); // twice is harmless
    await rejectsWith(verifier.verify(token), 'algorithm_not_allowed');
  });

  test('with a configured secret, the warm-up key is another key: its tokens are refused after end(), the secret’s never', async () => {
    const verifier = await createVerifier({ secret: SECRET });
    const deployment = await sign(SECRET_BYTES, 'HS256', { sub: 'real-user' });
    const admission = verifier.admitWarmup();
    const token = await admission.sign('herald-warmup-0', 'herald-warmup');
    assert.equal((await verifier.verify(token)).userId, 'herald-warmup-0');
    assert.equal((await verifier.verify(deployment)).userId, 'real-user');
    // A second verifier with the same configuration never saw the warm-up key.
    await rejectsWith((await createVerifier({ secret: SECRET })).verify(token), 'invalid_signature');
    admission.end();
    await rejectsWith(verifier.verify(token), 'invalid_signature');
    assert.equal((await verifier.verify(deployment)).userId, 'real-user');
  });

  test('warm-up tokens carry the configured claim names, issuer and audience', async () => {
    const verifier = await createVerifier({ secret: SECRET, issuer: 'https://idp.example', audience: 'herald', claims: { user: 'uid', account: 'org.id' } });
    const admission = verifier.admitWarmup();
    const id = await verifier.verify(await admission.sign('herald-warmup-1', 'herald-warmup'));
    assert.deepEqual([id.userId, id.accountId, id.permissions], ['herald-warmup-1', 'herald-warmup', []]);
    admission.end();
  });
});
