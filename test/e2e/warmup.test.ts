import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { freePort } from '@herald/local-nats';
import { createLogger } from '@herald/telemetry';
import { NodeProcess, waitReady } from '../support/cluster.js';
import { SECRET, startTestEdge } from '../support/edge.js';
import { TestClient } from '../support/client.js';

/** An embedded edge with HERALD_WARMUP_CONNECTS, its log lines kept. */
async function startWarmedEdge(env: Record<string, string>) {
  const lines: Record<string, unknown>[] = [];
  const edge = await startTestEdge(env, { log: createLogger({ level: 'info', write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) }) });
  return { edge, lines, warmed: () => lines.find((l) => l['msg'] === 'warmed up' || String(l['msg']).startsWith('warm-up stopped')) };
}

test('warm-up: the edge connects to itself before it listens, and then serves clients as usual with nothing of it counted', async () => {
  const { edge, warmed } = await startWarmedEdge({ HERALD_WARMUP_CONNECTS: '300' });
  try {
    const done = warmed();
    assert.equal(done?.['msg'], 'warmed up', JSON.stringify(done));
    assert.equal(done['connects'], 300);
    assert.equal(edge.server.connectionCount, 0, 'every warm-up socket is gone');
    // They subscribed: the inboxes of the warm-up's 50 users, among others, linger in the hub for 5 s.
    assert.ok(edge.server.hub.activeStreams >= 50, `streams held after the warm-up: ${edge.server.hub.activeStreams}`);

    const before = await (await fetch(`${edge.http}/metrics`)).text();
    for (const counted of ['herald_connections{', 'herald_closes_total{', 'herald_messages_in_total{', 'herald_upgrade_token_checks_total{']) {
      assert.ok(!before.includes(counted), `${counted} after a warm-up with no client yet:\n${before.split('\n').filter((l) => l.startsWith(counted)).join('\n')}`);
    }
    assert.match(before, /^herald_subscriptions 0$/m);

    const client = await TestClient.connect(edge.ws, { token: await edge.token({}) });
    await client.type('welcome');
    assert.equal((await client.subscribe({ channel: 'TradingChannel', params: {} }))['type'], 'subscribed');
    await edge.publish(['trading:acct-1'], 'order.filled', { id: 1 });
    const event = (await client.type('event')) as { stream?: string; event?: { event?: string; payload?: unknown } };
    assert.deepEqual([event.stream, event.event?.event, event.event?.payload], ['trading:acct-1', 'order.filled', { id: 1 }]);
    const after = await (await fetch(`${edge.http}/metrics`)).text();
    assert.match(after, /^herald_connections\{dialect="native"\} 1$/m);
    assert.match(after, /^herald_upgrade_token_checks_total\{path="in_handler"\} 1$/m);
    assert.match(after, /^herald_subscriptions 2$/m); // the client's inbox and TradingChannel
    client.close();
  } finally {
    await edge.stop();
  }
});

test('warm-up: HERALD_MAX_CONNECTIONS bounds it', async () => {
  const { edge, warmed } = await startWarmedEdge({ HERALD_WARMUP_CONNECTS: '100', HERALD_MAX_CONNECTIONS: '30' });
  try {
    assert.equal(warmed()?.['connects'], 30);
  } finally {
    await edge.stop();
  }
});

test('warm-up: the edge container (services/edge) warms up with 3,000 connects unless told otherwise', { timeout: 60_000 }, async () => {
  const port = await freePort();
  const service = new NodeProcess('service-edge', ['--import', 'tsx', fileURLToPath(new URL('../../services/edge/src/main.ts', import.meta.url))], {
    HERALD_HOST: '127.0.0.1',
    HERALD_PORT: String(port),
    HERALD_JWT_SECRET: SECRET,
    HERALD_LOG_LEVEL: 'info',
  });
  try {
    await waitReady(`http://127.0.0.1:${port}/readyz`, service, 30_000);
    const warmed = service.logLines().filter((line) => line['msg'] === 'warmed up' || String(line['msg']).startsWith('warm-up stopped'));
    assert.equal(warmed.length, 1, service.output.join(''));
    assert.equal(warmed[0]!['connects'], 3000);
  } finally {
    await service.stop();
  }
});
