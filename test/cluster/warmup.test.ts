import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestClient } from '../support/client.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';

let cluster: TestCluster;
before(async () => {
  cluster = await startTestCluster({ edges: 0, authz: 1 });
});
after(async () => {
  await cluster?.stop();
});

test('cluster: an edge warms up on NATS before it listens, then delivers to its first client', async () => {
  const edge = await cluster.startEdge({ HERALD_WARMUP_CONNECTS: '200', HERALD_LOG_LEVEL: 'info' });
  const warmed = edge.output
    .join('')
    .split('\n')
    .filter((line) => line.includes('"warmed up"') || line.includes('warm-up stopped'));
  assert.equal(warmed.length, 1, edge.output.join(''));
  assert.equal((JSON.parse(warmed[0]!) as { connects?: number }).connects, 200);

  const client = await TestClient.connect(edge.ws, { token: await cluster.token({ account: 'acct-1' }) });
  const sub = await client.subscribe({ channel: 'MissionChannel', params: { type: 'account', id: 'acct-1' } });
  assert.equal(sub['type'], 'subscribed', JSON.stringify(sub));
  const { streams } = await cluster.publish(edge, ['mission:account:acct-1'], 'mission_updated', { i: 1 });
  const [event] = await client.waitEvents(1, 'mission:account:acct-1', 10_000);
  assert.equal(event?.['offset'], streams[0]!.offset);
  const metrics = await (await fetch(`${edge.http}/metrics`)).text();
  assert.match(metrics, /^herald_connections\{dialect="native"\} 1$/m, 'the warm-up is not counted');
  client.close();
});
