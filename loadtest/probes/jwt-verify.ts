/**
 * Probe: the cost of one HS256 verification with jose, given the secret as raw
 * bytes (jose imports the key on every call) or as a CryptoKey imported once
 * (what packages/auth's verifier does). 5,000 distinct tokens, all verified
 * concurrently, as in a connect storm; each variant runs twice, the second run
 * is the one to read (JIT warm).
 *
 *   node --import tsx loadtest/probes/jwt-verify.ts
 */
import { jwtVerify, SignJWT } from 'jose';

const secret = new TextEncoder().encode('probe-secret-that-is-long-enough-for-hs256');
const tokens = await Promise.all(
  Array.from({ length: 5000 }, (_, i) => new SignJWT({ sub: `u${i}` }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('1h').sign(secret)),
);
const imported = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);

for (const round of [1, 2]) {
  for (const [name, key] of [
    ['raw bytes', secret],
    ['CryptoKey', imported],
  ] as const) {
    const t0 = performance.now();
    await Promise.all(tokens.map((t) => jwtVerify(t, key)));
    console.log(`round ${round}, ${name}: ${(((performance.now() - t0) / tokens.length) * 1000).toFixed(1)} µs per verify`);
  }
}
