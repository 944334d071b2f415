import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, generateKeyPair } from 'jose';
import { SECRET, startTestEdge, type TestEdge } from '../support/edge.js';
import { TestClient, UpgradeRefused } from '../support/client.js';
import { makeKey, startJwksServer, type JwksServer, type TestKey } from '../../packages/auth/test/helpers.js';

const secretKey = new TextEncoder().encode(SECRET);
const jwt = (claims: Record<string, unknown>, alg = 'HS256', key: Parameters<SignJWT['sign']>[0] = secretKey) =>
  new SignJWT({ account_id: 'acct-1', ...claims }).setProtectedHeader({ alg }).setSubject('u1').setIssuedAt().setExpirationTime('1h').sign(key);

async function refused(edge: TestEdge, opts: Parameters<typeof TestClient.connect>[1]): Promise<UpgradeRefused> {
  try {
    const c = await TestClient.connect(edge.ws, opts);
    c.close();
  } catch (err) {
    if (err instanceof UpgradeRefused) return err;
    throw err;
  }
  assert.fail('upgrade was accepted');
}

describe('authentication before the upgrade', () => {
  let edge: TestEdge;
  before(async () => {
    edge = await startTestEdge({ HERALD_JWT_AUDIENCE: 'herald', HERALD_JWT_ISSUER: 'https://id.example.com', HERALD_ALLOWED_ORIGINS: 'https://app.example.com' });
  });
  after(() => edge.stop());

  const good = () => new SignJWT({ account_id: 'acct-1' }).setProtectedHeader({ alg: 'HS256' }).setSubject('u1').setAudience('herald').setIssuer('https://id.example.com').setExpirationTime('1h').sign(secretKey);

  test('a valid token by query, header or subprotocol entry connects; the token is never echoed as the subprotocol', async () => {
    const token = await good();
    const byQuery = await TestClient.connect(edge.ws, { token });
    const byHeader = await TestClient.connect(edge.ws, { headers: { authorization: `Bearer ${token}` } });
    const byProtocol = await TestClient.connect(edge.ws, { protocols: ['herald.v1.json', `bearer.${token}`] });
    for (const c of [byQuery, byHeader, byProtocol]) {
      assert.equal(c.ws.protocol, 'herald.v1.json');
      const welcome = await c.type('welcome');
      assert.equal(typeof welcome['connectionId'], 'string');
      assert.equal(welcome['protocol'], 'herald.v1.json');
      assert.ok(welcome['expiresAt'] > Date.now());
      c.close();
    }
  });

  const cases: [string, () => Promise<Parameters<typeof TestClient.connect>[1]>, string][] = [
    ['no token', async () => ({}), 'missing_token'],
    ['bad signature', async () => ({ token: await jwt({ aud: 'herald', iss: 'https://id.example.com' }, 'HS256', new TextEncoder().encode('another-secret-another-secret-another!')) }), 'invalid_signature'],
    [
      'expired',
      async () => ({ token: await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('u1').setAudience('herald').setIssuer('https://id.example.com').setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(secretKey) }),
      'token_expired',
    ],
    [
      'wrong algorithm (RS256 where HS is pinned)',
      async () => {
        const { privateKey } = await generateKeyPair('RS256');
        return { token: await jwt({ aud: 'herald', iss: 'https://id.example.com' }, 'RS256', privateKey) };
      },
      'algorithm_not_allowed',
    ],
    ['alg none', async () => ({ token: `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"u1"}').toString('base64url')}.` }), 'algorithm_not_allowed'],
    ['wrong audience', async () => ({ token: await jwt({ aud: 'someone-else', iss: 'https://id.example.com' }) }), 'wrong_audience'],
    ['wrong issuer', async () => ({ token: await jwt({ aud: 'herald', iss: 'https://evil.example.com' }) }), 'wrong_issuer'],
    ['garbage token', async () => ({ token: 'not-a-jwt' }), 'malformed_token'],
    ['cross-site origin', async () => ({ token: await good(), origin: 'https://evil.example.com' }), 'origin_not_allowed'],
  ];
  for (const [name, opts, reason] of cases) {
    test(`${name} → 401 ${reason} before the upgrade`, async () => {
      const err = await refused(edge, await opts());
      assert.equal(err.status, 401);
      assert.equal(err.body['error'], 'unauthorized');
      assert.equal(err.body['reason'], reason);
    });
  }

  test('allowed and same-origin pages connect; so do clients without an Origin', async () => {
    const token = await good();
    const allowed = await TestClient.connect(edge.ws, { token, origin: 'https://app.example.com' });
    const sameOrigin = await TestClient.connect(edge.ws, { token, origin: `http://127.0.0.1:${edge.port}` });
    for (const c of [allowed, sameOrigin]) {
      await c.type('welcome');
      c.close();
    }
  });

  test('a ?token= among other parameters is found and percent-decoded', async () => {
    const token = await good();
    // Every character escaped: the edge must decode the parameter, not take its raw bytes.
    const escaped = [...token].map((ch) => `%${ch.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
    const c = await TestClient.connect(edge.ws, { path: `/ws?inbox=manual&token=${escaped}&x=1` });
    assert.equal((await c.type('welcome'))['type'], 'welcome');
    c.close();
    const err = await refused(edge, { path: `/ws?tokens=${token}&token=` });
    assert.equal(err.body['reason'], 'missing_token', 'an empty ?token= or a look-alike name is no token');
  });

  test('a token in the herald_token cookie connects', async () => {
    const c = await TestClient.connect(edge.ws, { headers: { cookie: `theme=dark; herald_token=${await good()}` } });
    assert.equal((await c.type('welcome'))['type'], 'welcome');
    c.close();
  });

  test('a subprotocol list without herald.v1.json is refused with 400', async () => {
    const err = await refused(edge, { token: await good(), protocols: ['mqtt'] });
    assert.equal(err.status, 400);
    assert.equal(err.body['reason'], 'unsupported_subprotocol');
  });

  test('auth failures are counted by reason in /metrics', async () => {
    const text = await (await fetch(`${edge.http}/metrics`)).text();
    assert.match(text, /herald_auth_failures_total\{reason="token_expired"\} [1-9]/);
    assert.match(text, /herald_auth_failures_total\{reason="origin_not_allowed"\} [1-9]/);
  });
});

describe('tokens signed by a JWKS key: verified after the key fetch, then upgraded', () => {
  let edge: TestEdge;
  let jwks: JwksServer;
  let key: TestKey;
  before(async () => {
    key = await makeKey('ES256');
    jwks = await startJwksServer([key.jwk]);
    edge = await startTestEdge({ HERALD_JWKS_URL: jwks.url });
  });
  after(async () => {
    await edge.stop();
    await jwks.close();
  });
  const signed = (signer: TestKey, kid = signer.kid) =>
    new SignJWT({ account_id: 'acct-1' }).setProtectedHeader({ alg: 'ES256', kid }).setSubject('u1').setExpirationTime('1h').sign(signer.privateKey);

  test('the key is fetched once, the sockets open and subscribe like any other, then without waiting for jose', async () => {
    const token = await signed(key);
    // The first connects arrive together, before the key set is cached: one fetch serves them all.
    const clients = await Promise.all(Array.from({ length: 3 }, () => TestClient.connect(edge.ws, { token })));
    // The next one has jose select the key from the set it now holds, and the key is kept; later ones
    // find it at hand and upgrade in the handler, as with a PEM key.
    for (let wave = 0; wave < 3; wave++) clients.push(await TestClient.connect(edge.ws, { token: await signed(key) }));
    for (const c of clients) {
      assert.equal((await c.type('welcome'))['type'], 'welcome');
      assert.equal((await c.subscribe({ channel: 'AiOrchestrationChannel', params: { type: 'account', id: 'acct-1' } }))['type'], 'subscribed');
      c.close();
    }
    assert.equal(jwks.hits, 1);
    const metrics = await (await fetch(`${edge.http}/metrics`)).text();
    assert.match(metrics, /herald_upgrade_token_checks_total\{path="after_io"\} 4\n/);
    assert.match(metrics, /herald_upgrade_token_checks_total\{path="in_handler"\} 2\n/);
  });

  test('a key the set does not hold: 401 before any socket exists', async () => {
    const stranger = await makeKey('ES256');
    const err = await refused(edge, { token: await signed(stranger, key.kid) });
    assert.equal(err.status, 401);
    assert.equal(err.body['reason'], 'invalid_signature');
  });
});
