/**
 * Probe: the cost of one HS256 verification, three ways, over 5,000 distinct tokens:
 * jose given the secret as raw bytes (it imports the key on every call), jose given a CryptoKey
 * imported once, both verified concurrently as in a connect storm; and packages/auth's
 * verifyNow (node:crypto, synchronous, what the upgrade handler uses). Then ES256 tokens of a
 * key served by a local JWKS endpoint: jose's remote key set (every token async), and verifyNow
 * once jose has selected the key. Each variant runs twice; read the second round (JIT warm).
 *
 *   node --import tsx loadtest/probes/jwt-verify.ts
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
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

// JWKS: one ES256 key behind a local endpoint.
const es = await generateKeyPair('ES256');
const jwk = { ...(await exportJWK(es.publicKey)), kid: 'probe', alg: 'ES256', use: 'sig' };
const endpoint = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
const jwksUrl = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/jwks`;
const esTokens = await Promise.all(
  Array.from({ length: tokens.length }, (_, i) => new SignJWT({ sub: `u${i}` }).setProtectedHeader({ alg: 'ES256', kid: 'probe' }).setIssuedAt().setExpirationTime('1h').sign(es.privateKey)),
);
const remote = createRemoteJWKSet(new URL(jwksUrl));
const jwksVerifier = await createVerifier({ jwksUrl });
for (let i = 0; i < 2; i++) await jwksVerifier.verify(esTokens[i]!); // the fetch, then jose's selection is kept
// Wall time, and CPU time of the whole process: jose verifies on libuv's threadpool, in parallel.
const cpuPerVerify = (c0: NodeJS.CpuUsage): string => {
  const c = process.cpuUsage(c0);
  return `${((c.user + c.system) / esTokens.length).toFixed(1)} µs CPU per verify`;
};
for (const round of [1, 2]) {
  let t0 = performance.now();
  let c0 = process.cpuUsage();
  await Promise.all(esTokens.map((t) => jwtVerify(t, remote)));
  console.log(`round ${round}, ES256 from a JWKS, jose: ${perVerify(t0)}, ${cpuPerVerify(c0)}`);
  t0 = performance.now();
  c0 = process.cpuUsage();
  for (const t of esTokens) if (!jwksVerifier.verifyNow(t)) throw new Error('the JWKS key was not at hand');
  console.log(`round ${round}, ES256 from a JWKS, verifyNow: ${perVerify(t0)}, ${cpuPerVerify(c0)}`);
}
endpoint.close();
