import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { NatsServerProcess, startLocalNats } from '@herald/local-nats';

test('a 3-node cluster elects a JetStream leader, survives a node kill, and cleans up its folder', async () => {
  const nats = await startLocalNats({ size: 3 });
  try {
    assert.equal(nats.urls.split(',').length, 3);
    const nc = await connect({ servers: nats.urls.split(','), reconnectTimeWait: 100 });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'T', subjects: ['t.>'], num_replicas: 3 });
    await nats.nodes[0]!.kill();
    assert.equal(nats.nodes[0]!.running, false);
    // Two of three replicas remain: the stream still answers once the client has failed over.
    let info;
    for (let i = 0; !info; i++) {
      info = await jsm.streams.info('T').catch((err: unknown) => {
        if (i > 40) throw err;
        return new Promise<undefined>((r) => setTimeout(() => r(undefined), 250));
      });
    }
    assert.equal(info.config.num_replicas, 3);
    await nats.nodes[0]!.start();
    assert.equal(await nats.nodes[0]!.healthy(), true);
    await nc.close();
  } finally {
    await nats.stop();
  }
  assert.equal(existsSync(nats.dir), false);
});

test('a missing binary fails with a message naming the fix', async () => {
  await assert.rejects(startLocalNats({ binary: '/nonexistent/nats-server' }), /install nats-server or set HERALD_NATS_SERVER/);
});

test('a node whose port was taken between freePort() and its bind says so, so startLocalNats can retry on fresh ports', async () => {
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const dir = mkdtempSync(join(tmpdir(), 'herald-nats-race-'));
  const node = await NatsServerProcess.create({ name: 'race', dir, port: (taken.address() as AddressInfo).port, jetstream: false });
  try {
    await assert.rejects(node.start(10_000), /exited during start/);
    assert.equal(node.lostAPortRace(), true);
  } finally {
    await node.stop();
    node.dispose();
    taken.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
