import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hashToken } from '@herald/auth';
import { TestClient, UpgradeRefused } from '../support/client.js';
import { metricValue, startTestCluster, type TestCluster } from '../support/cluster.js';

const CONVERSATION = (id: string) => ({ channel: 'AiConversationChannel', params: { conversation_id: id } });

describe('cluster: authorization and revocation', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startTestCluster({ edges: 2, authz: 2 });
  });
  after(async () => {
    await cluster?.stop();
  });

  test('two authz instances share the checks', async () => {
    const [a] = cluster.edges;
    const before = await Promise.all(cluster.authz.map((p) => metricValue(p.metricsUrl, 'herald_authz_checks_total{outcome="decided"}')));
    const clients = await Promise.all(Array.from({ length: 8 }, async (_, i) => TestClient.connect(a!.ws, { token: await cluster.token({ sub: `share-${i}` }) })));
    // Distinct users and channels, so the edge's decision cache cannot answer.
    for (const [i, c] of clients.entries()) {
      for (let j = 0; j < 5; j++) assert.equal((await c.subscribe({ channel: 'MissionChannel', params: { type: 'mission', id: `m-${i}-${j}` } }))['type'], 'rejected');
    }
    const afterCounts = await Promise.all(cluster.authz.map((p) => metricValue(p.metricsUrl, 'herald_authz_checks_total{outcome="decided"}')));
    const handled = afterCounts.map((v, i) => v - before[i]!);
    assert.ok(handled.every((h) => h > 0), `both instances answered: ${handled.join(', ')}`);
    assert.ok(handled.reduce((x, y) => x + y, 0) >= 40);
    const timed = await Promise.all(cluster.authz.map((p) => metricValue(p.metricsUrl, 'herald_authz_check_duration_seconds_count')));
    assert.ok(timed.every((n) => n > 0), 'each instance times its answers');
    for (const c of clients) c.close();
  });

  test('an ownership change through one pod takes the subscription away on another pod', async () => {
    const [a, b] = cluster.edges;
    assert.equal((await cluster.api(b!, 'PUT', '/v1/owners/ai_conversation/c-own', { account_id: 'acct-1' })).status, 204);
    const client = await TestClient.connect(a!.ws, { token: await cluster.token({ account: 'acct-1' }) });
    assert.equal((await client.subscribe(CONVERSATION('c-own')))['type'], 'subscribed');
    assert.equal((await cluster.api(b!, 'PUT', '/v1/owners/ai_conversation/c-own', { account_id: 'acct-2' })).status, 204);
    const lost = await client.next((f) => f['type'] === 'unsubscribed' && f['channel'] === 'AiConversationChannel', 5000);
    assert.equal(lost['reason'], 'forbidden');
    // A new subscription is denied too (the cached allow was dropped).
    assert.equal((await client.subscribe(CONVERSATION('c-own')))['type'], 'rejected');
    client.close();
  });

  test('a revocation reaches sockets on every pod within a second and blocks reconnects, also on a pod started later', async () => {
    const [a, b] = cluster.edges;
    const token = await cluster.token({ sub: 'victim', account: 'acct-9' });
    const onA = await TestClient.connect(a!.ws, { token });
    const onB = await TestClient.connect(b!.ws, { token });
    const bystander = await TestClient.connect(b!.ws, { token: await cluster.token({ sub: 'bystander', account: 'acct-9' }) });
    await onA.type('welcome');
    await onB.type('welcome');
    const t0 = Date.now();
    const res = await cluster.api(a!, 'POST', '/v1/admin/revoke', { kind: 'session', value: hashToken(token), reason: 'stolen laptop' });
    assert.equal(res.status, 200, await res.clone().text());
    const [ca, cb] = await Promise.all([onA.closed, onB.closed]);
    assert.equal(ca.code, 4003);
    assert.equal(cb.code, 4003);
    assert.ok(Date.now() - t0 < 1000, `closed within ${Date.now() - t0} ms`);
    await assert.rejects(TestClient.connect(b!.ws, { token }), (e: unknown) => e instanceof UpgradeRefused && e.status === 401 && e.body['reason'] === 'revoked');
    const late = await cluster.startEdge();
    await assert.rejects(TestClient.connect(late.ws, { token }), (e: unknown) => e instanceof UpgradeRefused && e.body['reason'] === 'revoked');
    assert.equal(bystander.ws.readyState, bystander.ws.OPEN, 'other sessions of the account are untouched');
    bystander.close();
  });

  test('revoking a user closes every socket of that user; a token issued afterwards connects', async () => {
    const [a, b] = cluster.edges;
    const old = await cluster.token({ sub: 'fired', account: 'acct-9' });
    const s1 = await TestClient.connect(a!.ws, { token: old });
    const s2 = await TestClient.connect(b!.ws, { token: await cluster.token({ sub: 'fired', account: 'acct-9' }) });
    await Promise.all([s1.type('welcome'), s2.type('welcome')]);
    assert.equal((await cluster.api(b!, 'POST', '/v1/admin/revoke', { kind: 'user', value: 'fired' })).status, 200);
    assert.deepEqual([(await s1.closed).code, (await s2.closed).code], [4003, 4003]);
    await new Promise((r) => setTimeout(r, 1100)); // iat has one-second resolution
    const fresh = await TestClient.connect(a!.ws, { token: await cluster.token({ sub: 'fired', account: 'acct-9' }) });
    await fresh.type('welcome');
    fresh.close();
  });

  test('bad revocation requests get a 400 naming the problem', async () => {
    const res = await cluster.api(cluster.edges[0]!, 'POST', '/v1/admin/revoke', { kind: 'galaxy', value: 'x' });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { message: string }).message, /kind must be one of/);
  });

  test('authz down: ownership checks are refused as retryable, claims-only checks and live subscriptions go on', async () => {
    const [a, b] = cluster.edges;
    assert.equal((await cluster.api(b!, 'PUT', '/v1/owners/mission/m-down', { account_id: 'acct-1' })).status, 204);
    const owned = { channel: 'MissionChannel', params: { type: 'mission', id: 'm-down' } };
    const client = await TestClient.connect(a!.ws, { token: await cluster.token({ account: 'acct-1' }) });
    assert.equal((await client.subscribe({ channel: 'MissionChannel', params: { type: 'account', id: 'acct-1' } }))['type'], 'subscribed');
    await Promise.all(cluster.authz.map((p) => p.kill()));
    const refused = await client.subscribe(owned);
    assert.equal(refused['type'], 'rejected');
    assert.equal(refused['reason'], 'authz_unavailable');
    assert.equal(refused['retryable'], true);
    // An account match needs only the token's claims: the edge decides it with the same rule.
    assert.equal((await client.subscribe({ channel: 'NotificationChannel', params: { account_id: 'acct-1' } }))['type'], 'subscribed');
    assert.equal((await client.subscribe({ channel: 'NotificationChannel', params: { account_id: 'acct-2' } }))['reason'], 'forbidden');
    await cluster.publish(b!, ['mission:account:acct-1'], 'mission_updated', { still: 'live' });
    const events = await client.waitEvents(1, 'mission:account:acct-1');
    assert.equal(events.at(-1)!['event']['payload']['still'], 'live');
    await cluster.startAuthz();
    const again = await client.subscribe(owned);
    assert.equal(again['type'], 'subscribed', 'back once an instance returns');
    client.close();
  });
});
