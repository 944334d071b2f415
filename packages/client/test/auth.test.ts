import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHeraldClient, type HeraldClientOptions, type Status, type TokenReason } from '@herald/client';
import { API_KEY } from '../../../test/support/edge.js';
import { holdsFor, sleep, SocketRecorder, useEdgeWithClients, waitFor } from './helpers.js';
import { publishLoop } from '../../../test/support/publish-loop.js';

const ACCOUNT = { channel: 'AiOrchestrationChannel', params: { type: 'account', id: 'acct-1' } } as const;
const STREAM = 'ai_orchestration:account:acct-1';
let users = 0;

describe('@herald/client tokens: in-band refresh, 4001, getToken failures, revocation', () => {
  const fixture = useEdgeWithClients();
  const { clients } = fixture;

  /** A client of a fresh user (revocations are per user) with a recorder, its statuses and its event offsets. */
  function setup(getToken: (reason: TokenReason, sub: string) => Promise<string>, extra: Partial<HeraldClientOptions> = {}) {
    const sub = `user-${process.pid}-${++users}`;
    const rec = new SocketRecorder();
    const reasons: TokenReason[] = [];
    const herald = createHeraldClient({
      url: `${fixture.edge.ws}/ws`,
      WebSocket: rec.WebSocket,
      reconnect: { baseMs: 100 },
      getToken: ({ reason }) => {
        reasons.push(reason);
        return getToken(reason, sub);
      },
      ...extra,
    });
    clients.push(herald);
    const statuses: Status[] = [];
    herald.onStatus((s) => statuses.push(s));
    const offsets: number[] = [];
    const subStatuses: Status[] = [];
    herald.subscribe({ ...ACCOUNT, onMessage: (_e, m) => offsets.push(m.offset!), onStatus: (s) => subStatuses.push(s) });
    return { sub, rec, reasons, herald, statuses, subStatuses, offsets };
  }

  /** Publish every `everyMs` until stopped; returns the acknowledged offsets. */
  const publisher = (everyMs = 100) => publishLoop(async (n) => (await fixture.edge.publish([STREAM], 'monitoring.metrics.updated', { n })).streams[0]!.offset, everyMs);

  const sameAs = (got: number[], acked: number[]) => got.length === acked.length && got.every((o, i) => o === acked[i]);

  test('short-lived tokens are refreshed in band before expiry: one socket, no interruption', async () => {
    const c = setup((_r, sub) => fixture.edge.token({ sub, ttlSec: 3 }));
    await waitFor('subscribed', () => c.herald.status === 'open' && c.rec.last.received.some((f) => f['type'] === 'subscribed'));
    const pub = publisher();
    await sleep(6500); // two token lifetimes
    await pub.stop();
    await waitFor(() => `all ${pub.acked.length} events, got ${c.offsets.length}`, () => sameAs(c.offsets, pub.acked));
    assert.equal(c.rec.sockets.length, 1, 'never reconnected');
    assert.ok(c.rec.sent('refresh').length >= 2, `refreshed ${c.rec.sent('refresh').length} times`);
    // Every refresh answered (the last one may still be on its way when the publisher stops).
    const answered = () => c.rec.last.received.filter((f) => f['type'] === 'refreshed').length;
    await waitFor(() => `${c.rec.sent('refresh').length} refreshes answered, got ${answered()}`, () => answered() === c.rec.sent('refresh').length, 3000);
    assert.deepEqual(c.statuses, ['connecting', 'open']);
    assert.deepEqual(c.reasons.slice(0, 2), ['connect', 'refresh']);
  });

  test('refresh refused → the server closes with 4001 at expiry → fresh token, reconnect at once, resume without loss', async () => {
    // On refresh, a token of another user: the server answers refresh_failed and keeps the old one until it expires.
    const c = setup((reason, sub) => fixture.edge.token({ sub: reason === 'refresh' ? `${sub}-other` : sub, ttlSec: reason === 'connect' ? 3 : 3600 }));
    await waitFor('subscribed', () => c.herald.status === 'open' && c.rec.last.received.some((f) => f['type'] === 'subscribed'));
    const pub = publisher();
    await waitFor('4001', () => c.rec.sockets[0]!.close, 6000);
    await waitFor('reopened', () => c.rec.sockets.length === 2 && c.herald.status === 'open', 3000);
    await sleep(300);
    await pub.stop();
    await waitFor(() => `all ${pub.acked.length} events once, got ${c.offsets.length}`, () => sameAs(c.offsets, pub.acked));
    assert.equal(c.rec.sockets[0]!.close!.code, 4001);
    assert.ok(c.rec.sockets[0]!.received.some((f) => f['type'] === 'error' && f['code'] === 'refresh_failed'));
    assert.ok(c.reasons.includes('expired'), `the reconnect asked for a fresh token: ${c.reasons.join(',')}`);
    const resume = c.rec.sockets[1]!.sent.find((f) => f['type'] === 'subscribe')!;
    assert.equal(typeof resume['since']?.['epoch'], 'string', 'resubscribed with since');
    assert.equal(c.rec.sockets[1]!.received.find((f) => f['type'] === 'subscribed')!['recovered'], true);
  });

  test('getToken failing on refresh → no refresh, 4001 at expiry → new token and reconnect', async () => {
    const c = setup(async (reason, sub) => {
      if (reason === 'refresh') throw new Error('token service down');
      return fixture.edge.token({ sub, ttlSec: 3 });
    });
    await waitFor('open', () => c.herald.status === 'open');
    await waitFor('4001 then reopened', () => c.rec.sockets[0]!.close?.code === 4001 && c.rec.sockets.length === 2 && c.herald.status === 'open', 7000);
    assert.equal(c.rec.sent('refresh').length, 0);
    assert.deepEqual(c.statuses, ['connecting', 'open', 'reconnecting', 'open']);
  });

  test('getToken failing → auth_error, seen by subscribers, no reconnect loop; retry() tries again', async () => {
    let fail = true;
    const c = setup(async (_r, sub) => {
      if (fail) throw new Error('logged out');
      return fixture.edge.token({ sub });
    });
    await waitFor('auth_error', () => c.herald.status === 'auth_error');
    await holdsFor('no socket, no further getToken call', () => c.rec.sockets.length === 0 && c.reasons.length === 1, 800);
    assert.deepEqual(c.subStatuses, ['connecting', 'auth_error']);

    fail = false;
    c.herald.retry();
    await waitFor('open after retry', () => c.herald.status === 'open' && c.rec.last.received.some((f) => f['type'] === 'subscribed'));
    assert.equal(c.rec.sockets.length, 1);

    // Expiry while getToken fails: 4001, then auth_error, still no loop.
    c.herald.disconnect();
    fail = false;
    const d = setup(async (reason, sub) => {
      if (reason !== 'connect') throw new Error('session ended');
      return fixture.edge.token({ sub, ttlSec: 2 });
    });
    await waitFor('auth_error after 4001', () => d.herald.status === 'auth_error', 6000);
    assert.equal(d.rec.sockets[0]!.close!.code, 4001);
    await holdsFor('no reconnect loop', () => d.rec.sockets.length === 1 && d.herald.status === 'auth_error', 800);
    assert.deepEqual(d.statuses, ['connecting', 'open', 'reconnecting', 'auth_error']);
  });

  test('4003 (revoked) → stopped, no reconnect', async () => {
    const c = setup((_r, sub) => fixture.edge.token({ sub }));
    await waitFor('open', () => c.herald.status === 'open');
    const res = await fetch(`${fixture.edge.http}/v1/admin/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'user', value: c.sub, reason: 'test' }),
    });
    assert.equal(res.status, 200);
    await waitFor('stopped', () => c.herald.status === 'stopped');
    assert.equal(c.rec.sockets[0]!.close!.code, 4003);
    assert.deepEqual(c.rec.sockets[0]!.received.at(-1), { type: 'disconnect', reason: 'revoked', reconnect: false });
    await holdsFor('no reconnect', () => c.rec.sockets.length === 1 && c.herald.status === 'stopped', 1000);
    assert.deepEqual(c.subStatuses, ['connecting', 'open', 'stopped']);
    const failed = await c.herald.perform(ACCOUNT, 'anything', {}).catch((e: { code: string }) => e);
    assert.equal((failed as { code: string }).code, 'disconnected', 'perform fails at once on a stopped connection');
  });

  test('a refused upgrade (seen as an abnormal close before welcome) → the next token is asked for as expired', async () => {
    const stale = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.not-a-valid-signature'; // refused with 401 before the upgrade
    let first = true;
    const c = setup(async (_r, sub) => {
      if (first) {
        first = false;
        return stale;
      }
      return fixture.edge.token({ sub });
    });
    await waitFor('open with a fresh token', () => c.herald.status === 'open', 5000);
    assert.deepEqual(c.reasons.slice(0, 2), ['connect', 'expired']);
    // The refused socket never got a welcome; the one that did opened with the fresh token.
    const sockets = JSON.stringify(c.rec.sockets.map((s) => ({ close: s.close, got: s.received.map((f) => f['type']) })));
    assert.equal(c.rec.sockets[0]!.received.length, 0, sockets);
    assert.equal(c.rec.last.received[0]?.['type'], 'welcome', sockets);
  });
});
