import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { kvKey } from '@herald/bus';
import { NatsControlPlane, type NatsControlOptions, type Revocation } from '@herald/control';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { useLocalNats } from '../../../test/support/nats.js';
import { identity, sleep, waitFor } from './helpers.js';

const conns: NatsConnection[] = [];
const planes: NatsControlPlane[] = [];
let n = 0;

// Planes first: they stop their watches while the connections are still open.
after(async () => {
  await Promise.all(planes.map((p) => p.close()));
});
const fixture = useLocalNats();

async function conn(): Promise<NatsConnection> {
  const nc = await fixture.connect({ reconnectTimeWait: 100, maxReconnectAttempts: -1 });
  conns.push(nc);
  return nc;
}

async function plane(options: NatsControlOptions): Promise<NatsControlPlane> {
  const p = await NatsControlPlane.start(await conn(), options);
  planes.push(p);
  return p;
}

/** A bucket of its own per test, so tests do not see each other's revocations. */
const fresh = (extra: NatsControlOptions = {}): NatsControlOptions => {
  n++;
  return { bucket: `revoked_t${n}`, subjectPrefix: `test${n}.control`, ...extra };
};

test('a revocation on pod A reaches pod B at once, and A’s listeners once', async () => {
  const opts = fresh();
  const a = await plane(opts);
  const b = await plane(opts);
  const seenA: Revocation[] = [];
  const seenB: Revocation[] = [];
  a.onRevoke((r) => seenA.push(r));
  b.onRevoke((r) => seenB.push(r));

  const started = Date.now();
  const r = await a.revoke({ kind: 'user', value: 'u1', reason: 'compromised' });
  await waitFor(() => seenB.length === 1, 1000, "B's listener");
  assert.ok(Date.now() - started < 1000);
  assert.deepEqual(seenB[0], r);
  assert.deepEqual(b.check(identity({ issuedAt: r.revokedAt - 1 })), r);
  assert.equal(b.check(identity({ issuedAt: r.revokedAt + 1 })), undefined);
  // Both the KV watch and the subject deliver it to A too; give them time, then count.
  await sleep(300);
  assert.equal(seenA.length, 1);
  assert.equal(seenB.length, 1);
  assert.equal(a.malformed + b.malformed, 0);
});

test('a plane started after a revocation loads it before start resolves', async () => {
  const opts = fresh();
  const a = await plane(opts);
  await a.revoke({ kind: 'session', value: 'h1' });
  await a.revoke({ kind: 'api_token', value: 'tok-9' });
  const late = await plane(opts);
  assert.equal(late.check(identity())?.kind, 'session');
  assert.equal(late.check(identity({ tokenHash: 'hx', sessionId: undefined, apiTokenId: 'tok-9' }))?.kind, 'api_token');
  assert.equal(late.size, 2);
});

test('an empty bucket starts at once', async () => {
  const p = await plane(fresh());
  assert.equal(p.size, 0);
  assert.equal(p.check(identity()), undefined);
});

test('bucket TTL bounds a revocation in memory and in KV', async () => {
  const opts = fresh({ ttlMs: 1500 });
  const a = await plane(opts);
  const r = await a.revoke({ kind: 'account', value: 'a1', ttlMs: 60_000 });
  assert.equal(r.expiresAt - r.revokedAt, 1500, 'capped at the bucket TTL');
  assert.ok(a.check(identity()));
  await sleep(r.expiresAt - Date.now() + 10);
  assert.equal(a.check(identity()), undefined, 'expired in memory');

  const kv = await new Kvm(await conn()).open(opts.bucket!);
  await waitFor(async () => (await kv.get(kvKey('account', 'a1'))) === null, 5000, 'the KV entry to expire');
  const late = await plane(opts);
  assert.equal(late.size, 0);
  assert.equal(late.check(identity()), undefined);
});

test('a malformed message is ignored and the plane keeps working', async () => {
  const opts = fresh({ subjectPrefix: 'herald.control' });
  const p = await plane(opts);
  const seen: Revocation[] = [];
  p.onRevoke((r) => seen.push(r));
  const nc = await conn();
  nc.publish('herald.control.revoke.session', 'not json{');
  nc.publish('herald.control.revoke.session', JSON.stringify({ kind: 'session', value: 'h1' }));
  nc.publish('herald.control.revoke.session', JSON.stringify({ kind: 'nope', value: 'h1', reason: '', revokedAt: 1, expiresAt: 2 }));
  await nc.flush();
  await waitFor(() => p.malformed === 3, 1000, 'three malformed messages');
  assert.equal(seen.length, 0);
  assert.equal(p.check(identity()), undefined);

  // Bad JSON stored in KV is ignored the same way, at start and live.
  const kv = await new Kvm(nc).open(opts.bucket!);
  await kv.put(kvKey('session', 'junk'), 'garbage');
  await waitFor(() => p.malformed === 4, 1000, 'the malformed KV entry');
  const late = await plane(opts);
  assert.equal(late.malformed, 1);

  const r = await p.revoke({ kind: 'session', value: 'h1' });
  assert.deepEqual(seen, [r]);
  assert.deepEqual(p.check(identity()), r);
  await waitFor(() => late.check(identity()) !== undefined, 1000, 'the late plane to see it');
});

test('both planes survive a server restart', async () => {
  const opts = fresh();
  const a = await plane(opts);
  const b = await plane(opts);
  const seenB: Revocation[] = [];
  b.onRevoke((r) => seenB.push(r));
  await a.revoke({ kind: 'user', value: 'before' });
  await waitFor(() => seenB.length === 1, 1000, 'first revocation');

  await fixture.nats.nodes[0]!.kill();
  await sleep(200);
  await fixture.nats.nodes[0]!.start();
  await waitFor(() => conns.every((c) => !c.isClosed()), 1000, 'connections open');

  // The first revoke after a restart may race the reconnect; retry the durable write.
  let r: Revocation | undefined;
  await waitFor(async () => {
    r = await a.revoke({ kind: 'user', value: 'after' }).catch(() => undefined);
    return r !== undefined;
  }, 10_000, 'a revoke to succeed after the restart');
  await waitFor(() => seenB.some((x) => x.value === 'after'), 5000, 'B to hear about it');
  assert.ok(b.check(identity({ userId: 'before' })));
  assert.ok(b.check(identity({ userId: 'after' })));

  // A write that only goes to KV (no subject publish) proves B's watch resumed too.
  const kv = await new Kvm(await conn()).open(opts.bucket!);
  const direct: Revocation = { kind: 'api_token', value: 'kv-only', reason: '', revokedAt: Date.now(), expiresAt: Date.now() + 60_000 };
  await kv.put(kvKey(direct.kind, direct.value), JSON.stringify(direct));
  await waitFor(() => seenB.some((x) => x.value === 'kv-only'), 5000, 'B to see the KV-only write');
  assert.equal(a.malformed + b.malformed, 0);
});
