import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { connectProducer, type NatsProducer } from '@herald/producer';
import { TestClient, type Frame } from '../support/client.js';
import { ClusterEdgeProcess, startTestCluster, type TestCluster } from '../support/cluster.js';
import { publishLoop } from '../support/publish-loop.js';
import { waitFor as waitUntil } from '../support/wait.js';

const CHANNEL = { channel: 'MissionChannel', params: { type: 'account', id: 'acct-1' } };
const STREAM = 'mission:account:acct-1';

/** Publish every `everyMs` until stopped; returns the acknowledged offsets in order. */
/** The stream's producer loop: one mission_updated every `everyMs`, acknowledged offsets kept. */
const missionLoop = (producer: NatsProducer, everyMs: number) =>
  publishLoop(async (i) => (await producer.publish({ streams: [STREAM], event: 'mission_updated', payload: { i } })).streams[0]!.offset, everyMs);

const offsetsOf = (frames: Frame[]): number[] => frames.map((f) => f['offset'] as number);

const waitFor = (check: () => boolean | Promise<boolean>, timeoutMs: number, what: () => string): Promise<unknown> => waitUntil(what, check, timeoutMs);

describe('cluster: failures', () => {
  let cluster: TestCluster | undefined;
  after(async () => {
    await cluster?.stop();
  });

  test('killing the NATS node an edge is connected to loses no acknowledged event', async () => {
    cluster = await startTestCluster({ edges: 0, authz: 1 });
    // This edge knows only node 1 at start; it learns the others from the cluster and fails over to them.
    const edge = await cluster.startEdge({ NATS_URL: cluster.nats.nodes[0]!.url });
    const client = await TestClient.connect(edge.ws, { token: await cluster.token() });
    // On a loaded CI host the stream's new leader once took longer than the default 10 s deadline.
    const producer = await connectProducer({ servers: cluster.nats.nodes.slice(1).map((n) => n.url), name: 'loop', publishDeadlineMs: 30_000 });
    try {
      assert.equal((await client.subscribe(CHANNEL))['type'], 'subscribed');
      const loop = missionLoop(producer, 15);
      await new Promise((r) => setTimeout(r, 700));
      await cluster.nats.nodes[0]!.kill();
      // Publishes stall while JetStream elects new leaders, then go on; keep going well past that.
      await new Promise((r) => setTimeout(r, 5000));
      const acked = await loop.stop();
      assert.ok(acked.length > 20, `published ${acked.length}`);
      await waitFor(() => client.events(STREAM).length >= acked.length, 20_000, () => `${client.events(STREAM).length} of ${acked.length} events`);
      assert.deepEqual(offsetsOf(client.events(STREAM)), acked, 'every acknowledged event exactly once, in order');
    } finally {
      await producer.close();
      client.close();
      await cluster.stop();
      cluster = undefined;
    }
  });

  test('killing an edge with 1,000 clients mid-stream: they resume on the other edge and get every event exactly once', async () => {
    cluster = await startTestCluster({ edges: 2, authz: 1 });
    const [a, b] = cluster.edges as [ClusterEdgeProcess, ClusterEdgeProcess];
    const token = await cluster.token();
    const producer = await connectProducer({ servers: cluster.nats.urls, name: 'loop' });
    // One event before anyone connects, so the stream has a position to start from.
    const start = (await producer.publish({ streams: [STREAM], event: 'mission_updated', payload: { i: -1 } })).streams[0]!;
    const clients: TestClient[] = [];
    for (let i = 0; i < 1000; i += 50) {
      const batch = await Promise.all(Array.from({ length: 50 }, () => TestClient.connect(a.ws, { token })));
      // A generous bound: 1,000 resuming subscribes share two cores with the rest of the suite in CI.
      await Promise.all(batch.map((c) => c.subscribe({ ...CHANNEL, since: { epoch: start.epoch, offset: start.offset } }, 30_000)));
      clients.push(...batch);
    }
    const loop = missionLoop(producer, 20);
    try {
    await new Promise((r) => setTimeout(r, 500));
    await a.kill();
    await Promise.all(clients.map((c) => c.closed));
    // Each client resumes on edge B from the last offset it received.
    const resumed: TestClient[] = [];
    const last = (c: TestClient): number => (offsetsOf(c.events(STREAM)).at(-1) ?? start.offset);
    for (let i = 0; i < clients.length; i += 50) {
      const batch = clients.slice(i, i + 50);
      const next = await Promise.all(batch.map(() => TestClient.connect(b.ws, { token })));
      const answers = await Promise.all(next.map((c, j) => c.subscribe({ ...CHANNEL, since: { epoch: start.epoch, offset: last(batch[j]!) } }, 30_000)));
      assert.ok(answers.every((r) => r['recovered'] === true), JSON.stringify(answers.find((r) => r['recovered'] !== true)));
      resumed.push(...next);
    }
    await new Promise((r) => setTimeout(r, 500));
    const acked = await loop.stop();
    await waitFor(
      () => resumed.every((c, i) => offsetsOf(clients[i]!.events(STREAM)).length + offsetsOf(c.events(STREAM)).length >= acked.length),
      30_000,
      () => `clients still missing events`,
    );
    for (const [i, c] of resumed.entries()) {
      const got = [...offsetsOf(clients[i]!.events(STREAM)), ...offsetsOf(c.events(STREAM))];
      assert.deepEqual(got, acked, `client ${i}: every event exactly once, in order`);
    }
    for (const c of resumed) c.close();
    } finally {
      await loop.stop();
      await producer.close();
    }
  });

  test('history that expired while a client was away: recovered false', async () => {
    await cluster?.stop();
    cluster = await startTestCluster({ nodes: 1, edges: 1, authz: 1, env: { HERALD_HISTORY_MAX_AGE: '1s' } });
    const [edge] = cluster.edges as [ClusterEdgeProcess];
    const token = await cluster.token();
    const client = await TestClient.connect(edge.ws, { token });
    await client.subscribe(CHANNEL);
    await cluster.publish(edge, [STREAM], 'mission_updated', { n: 1 });
    const [seen] = await client.waitEvents(1, STREAM);
    client.close();
    await cluster.publish(edge, [STREAM], 'mission_updated', { n: 2 });
    await new Promise((r) => setTimeout(r, 1600));
    const back = await TestClient.connect(edge.ws, { token });
    const res = await back.subscribe({ ...CHANNEL, since: { epoch: seen!['epoch'], offset: seen!['offset'] } });
    assert.equal(res['type'], 'subscribed');
    assert.equal(res['recovered'], false, 'the client must refetch state');
    back.close();
  });

  test('readyz answers 503 bus_unavailable while NATS is unreachable, and 200 once it is back', async () => {
    const [edge] = cluster!.edges as [ClusterEdgeProcess];
    const readyz = async (): Promise<string> => ((await (await fetch(`${edge.http}/readyz`)).json()) as { status: string }).status;
    assert.equal(await readyz(), 'ready');
    await cluster!.nats.nodes[0]!.kill();
    let status = '';
    await waitFor(async () => (status = await readyz()) === 'bus_unavailable', 10_000, () => `readyz said ${status}`);
    await cluster!.nats.nodes[0]!.start();
    await waitFor(async () => (status = await readyz()) === 'ready', 15_000, () => `readyz said ${status}`);
  });
});
