import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportPKCS8, exportSPKI, generateKeyPair, importPKCS8, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { AuthError, type AuthFailureReason } from '../src/index.js';

export const SECRET = 'test-secret-that-is-long-enough-0123456789';
export const SECRET_BYTES = new TextEncoder().encode(SECRET);

export const now = (): number => Math.floor(Date.now() / 1000);

export interface TestKey {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  spki: string;
  jwk: JWK;
}

export async function makeKey(alg: string, kid = `${alg.toLowerCase()}-${Math.random().toString(36).slice(2, 8)}`): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const spki = await exportSPKI(publicKey);
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicKey, spki, jwk };
}

/** The same private key bound to another algorithm (an RSA key generated for RS256 signing PS384, say). */
export async function privateKeyFor(key: TestKey, alg: string): Promise<CryptoKey> {
  return importPKCS8(await exportPKCS8(key.privateKey), alg);
}

/** Signs claims with sensible defaults (sub, iat, exp in an hour); `null` removes a default. */
export async function sign(
  key: CryptoKey | Uint8Array,
  alg: string,
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const payload: JWTPayload = { sub: 'user-1', iat: now(), exp: now() + 3600, ...claims };
  for (const [k, v] of Object.entries(payload)) if (v === null) delete payload[k];
  return new SignJWT(payload).setProtectedHeader({ ...header, alg }).sign(key);
}

export function b64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/** An unsecured token: `alg: none`, empty signature. */
export function unsignedToken(claims: Record<string, unknown> = { sub: 'user-1', exp: now() + 3600 }): string {
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;
}

/** Asserts that a promise rejects with an AuthError of the given reason. */
export async function rejectsWith(promise: Promise<unknown>, reason: AuthFailureReason): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof AuthError, `expected an AuthError, got ${String(err)}`);
    assert.equal(err.reason, reason, `expected ${reason}, got ${err.reason}: ${err.message}`);
    return true;
  });
}

export interface JwksServer {
  url: string;
  /** The keys served; mutate to rotate. */
  keys: JWK[];
  /** Requests served so far. */
  hits: number;
  /** When set, the server answers with this status instead of the key set. */
  status: number | undefined;
  /** When true, requests are accepted but never answered. */
  hang: boolean;
  close(): Promise<void>;
}

export async function startJwksServer(keys: JWK[]): Promise<JwksServer> {
  const state: JwksServer = {
    url: '',
    keys,
    hits: 0,
    status: undefined,
    hang: false,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    state.hits++;
    if (state.hang) return;
    if (state.status !== undefined) {
      res.writeHead(state.status, { 'content-type': 'text/plain' }).end('nope');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  return state;
}
