import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats } from '@herald/bus';
import { NatsServerProcess } from '@herald/local-nats';
import { whenJetStreamReady } from '../src/nats/jetstream-ready.js';
import { useLocalNats } from '../../../test/support/nats.js';

// A server without JetStream answers the API as a node does before its JetStream is up; the fixture's has it.
const withJetStream = useLocalNats();
let plain: NatsServerProcess;
let dir: string;
let noJs: NatsConnection;
let js: NatsConnection;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'herald-nojs-'));
  plain = await NatsServerProcess.create({ name: 'no-jetstream', dir, jetstream: false });
  await plain.start(10_000);
  noJs = await connectNats({ servers: plain.url, name: 'test-no-js' });
  js = await withJetStream.connect({ noAsyncTraces: true });
});
after(async () => {
  await noJs.close();
  await plain.stop();
  plain.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('a JetStream that does not answer is asked again until it does', async () => {
  let calls = 0;
  const jsm = await whenJetStreamReady('JetStream API', () => jetstreamManager(++calls < 3 ? noJs : js));
  assert.equal(calls, 3);
  assert.ok(await jsm.getAccountInfo());
});

test('when the time is up, the error names what was waited for and why', async () => {
  let calls = 0;
  const started = Date.now();
  await assert.rejects(
    whenJetStreamReady('history stream HERALD_EVENTS', () => (calls++, jetstreamManager(noJs)), 1000),
    /^Error: history stream HERALD_EVENTS: JetStream did not answer within 1 s \(jetstream is not enabled\)$/,
  );
  assert.ok(Date.now() - started >= 900, 'it kept asking until the deadline');
  assert.ok(calls > 2, `asked ${calls} times`);
});

test('any other error fails at once, unchanged', async () => {
  let calls = 0;
  const refusal = new Error('storage cannot change in place');
  await assert.rejects(
    whenJetStreamReady('history stream', async () => {
      calls++;
      throw refusal;
    }),
    (err) => err === refusal,
  );
  assert.equal(calls, 1);
});
