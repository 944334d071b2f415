/**
 * Probe: the JavaScript cost of an authenticated connect, stage by stage, in one process and
 * without sockets: token verification, the revocation check, a session opened on a socket
 * stand-in, and that session subscribing to TradingChannel (frame parse, catalog resolve,
 * authorization, hub join, `subscribed`). The stages the connect-storm benchmark pays for on
 * the edge's main thread, minus uWS and the kernel. 20,000 distinct tokens and sessions per
 * round, 10 rounds; the first two (JIT warm-up) are left out of the min and median. The 1,000
 * accounts' streams stay in the hub between rounds (it keeps an unused stream 5 s), so a
 * subscribe here joins a stream the process already reads: the bus subscription is not timed.
 *
 *   node --import tsx loadtest/probes/connect-path.ts
 *
 * It bundles itself the way `npm run build` bundles Herald and runs the bundle with plain node:
 * under tsx every closure gets a keep-names wrapper, which the edge in production does not have.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);

if (!process.env['HERALD_PROBE_BUNDLED']) {
  const { bundleNodeProgram } = await import('../../scripts/build.js');
  const out = await bundleNodeProgram(SELF, fileURLToPath(new URL('../../dist/probe-connect-path.mjs', import.meta.url)));
  const run = spawnSync(process.execPath, [out], { stdio: 'inherit', env: { ...process.env, HERALD_PROBE_BUNDLED: '1' } });
  process.exit(run.status ?? 1);
}

const { createVerifier, signDevToken } = await import('@herald/auth');
const { LocalAuthorizer, MemoryOwnershipStore } = await import('@herald/authz');
const { MemoryBus } = await import('@herald/bus');
const { createCatalog } = await import('@herald/channels');
const { MemoryControlPlane } = await import('@herald/control');
const { ExpiryWheel, LocalActions, nativeCodec, Session, StreamHub } = await import('@herald/session');
const { createEdgeMetrics, silentLogger } = await import('@herald/telemetry');
type SessionT = InstanceType<typeof Session>;

const N = 20_000;
const SECRET = 'probe-secret-that-is-long-enough-for-hs256';
const catalog = createCatalog();
const metrics = createEdgeMetrics();
const bus = new MemoryBus({});
const authorizer = new LocalAuthorizer((name) => catalog.get(name)?.rule, new MemoryOwnershipStore());
const verifier = await createVerifier({ secret: SECRET, clockToleranceSec: 5 });
const control = new MemoryControlPlane({ defaultTtlMs: 60_000 });
const hub = new StreamHub({ bus, fanout: { publish() {} }, encoders: [nativeCodec.events], metrics });
const expiry = new ExpiryWheel<SessionT>((s) => s.expire());
const limits = {
  maxSubscriptions: 100,
  rateLimitPerSec: 100,
  rateLimitBurst: 200,
  broadcastActionsPerSec: 10,
  maxFrameBytes: 65_536,
  maxPendingCommands: 64,
  heartbeatSec: 25,
  authzTimeoutMs: 5_000,
  actionTimeoutMs: 5_000,
};
const deps = { catalog, authorizer, hub, verifier, actions: new LocalActions(), limits, metrics, expiry, log: silentLogger, epoch: () => bus.epoch() };
// The bench's accounts: 1,000 of them, so 1,000 streams.
const tokens = await Promise.all(Array.from({ length: N }, (_, i) => signDevToken({ secret: SECRET, sub: `u${i}`, account: `acct-${i % 1000}`, ttlSec: 3600 })));
const identities = tokens.map((t) => verifier.verifyNow(t)!);
// What the session needs of a uWS socket; sends succeed.
const socket = { send: () => 1, end() {}, subscribe: () => true, unsubscribe: () => true, publish: () => true, getBufferedAmount: () => 0 };
const subscribeFrame = new TextEncoder().encode('{"type":"subscribe","channel":"TradingChannel","params":{},"id":1}').buffer;
const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

function openSession(i: number): SessionT {
  const s = new Session(deps, nativeCodec, 0, `c${i}`, identities[i]!, { automatic: false });
  s.open(socket);
  return s;
}

/** µs per call of `stage` over N calls, yielding to the event loop every 64 (promises settle as they would on an edge). */
async function measure(name: string, stage: (i: number) => unknown, cleanUp?: (results: unknown[]) => void): Promise<void> {
  const rounds: number[] = [];
  for (let round = 0; round < 10; round++) {
    const results: unknown[] = [];
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) {
      results.push(stage(i));
      if ((i & 63) === 0) await nextTurn();
    }
    await nextTurn();
    const us = Number(process.hrtime.bigint() - t0) / 1000 / N;
    cleanUp?.(results);
    if (round >= 2) rounds.push(us);
  }
  rounds.sort((a, b) => a - b);
  console.log(`${name.padEnd(34)} min ${rounds[0]!.toFixed(2)}  median ${rounds[Math.floor(rounds.length / 2)]!.toFixed(2)} µs`);
}

const closeAll = (results: unknown[]): void => {
  for (const s of results as SessionT[]) s.closed();
};
await measure('verify a token (verifyNow)', (i) => verifier.verifyNow(tokens[i]!));
await measure('revocation check', (i) => control.check(identities[i]!));
await measure('open a session', openSession, closeAll);
await measure('open a session and subscribe', (i) => {
  const s = openSession(i);
  s.receive(subscribeFrame, false);
  return s;
}, closeAll);
await measure('parse the subscribe frame', () => nativeCodec.parse('{"type":"subscribe","channel":"TradingChannel","params":{},"id":1}'));
await measure('resolve the subscription', (i) => catalog.resolve({ channel: 'TradingChannel', params: {} }, identities[i]!));
await measure('authorize it', (i) => authorizer.check({ identity: identities[i]!, channel: 'TradingChannel', params: { account_id: identities[i]!.accountId! } }));
process.exit(0);
