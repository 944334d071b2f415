/**
 * Probe: the cost of one HS256 verification, three ways, over 5,000 distinct tokens:
 * jose given the secret as raw bytes (it imports the key on every call), jose given a CryptoKey
 * imported once, both verified concurrently as in a connect storm; and packages/auth's
 * verifyNow (node:crypto, synchronous, what the upgrade handler uses). Each variant runs twice;
 * read the second round (JIT warm).
 *
 *   node --import tsx loadtest/probes/jwt-verify.ts
 */
import { jwtVerify, SignJWT } from 'jose';
import { createVerifier } from '@herald/auth';

const SECRET = 'probe-secret-that-is-long-enough-for-hs256';
const secret = new TextEncoder().encode(SECRET);
const tokens = await Promise.all(
  Array.from({ length: 5000 }, (_, i) => new SignJWT({ sub: `u${i}` }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('1h').sign(secret)),
);
const imported = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
const herald = await createVerifier({ secret: SECRET });

const perVerify = (t0: number): string => `${(((performance.now() - t0) / tokens.length) * 1000).toFixed(1)} µs per verify`;
for (const round of [1, 2]) {
  for (const [name, key] of [
    ['jose, raw bytes', secret],
    ['jose, CryptoKey', imported],
  ] as const) {
    const t0 = performance.now();
    await Promise.all(tokens.map((t) => jwtVerify(t, key)));
    console.log(`round ${round}, ${name}: ${perVerify(t0)}`);
  }
  const t0 = performance.now();
  for (const t of tokens) herald.verifyNow(t);
  console.log(`round ${round}, verifyNow (node:crypto): ${perVerify(t0)}`);
}
