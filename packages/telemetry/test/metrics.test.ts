import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createEdgeMetrics } from '../src/index.js';

/** The sample lines of one metric family in a scrape, e.g. `herald_closes_total{code="1000"} 2`. */
async function samples(metrics: ReturnType<typeof createEdgeMetrics>, name: string): Promise<string[]> {
  const text = await metrics.registry.metrics();
  return text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

/** Hot-path counts live in plain cells and reach prom-client at scrape time; a scrape must show the same totals as counting into prom-client directly. */
describe('edge metrics', () => {
  test('counters keep their totals across scrapes, per label value', async () => {
    const m = createEdgeMetrics();
    m.connectionClosed('herald', 1000);
    m.connectionClosed('herald', 1000);
    m.connectionClosed('actioncable', 4001);
    assert.deepEqual(await samples(m, 'herald_closes_total'), ['herald_closes_total{code="1000"} 2', 'herald_closes_total{code="4001"} 1']);
    m.connectionClosed('herald', 1000);
    assert.deepEqual(await samples(m, 'herald_closes_total'), ['herald_closes_total{code="1000"} 3', 'herald_closes_total{code="4001"} 1']);
    assert.deepEqual(await samples(m, 'herald_closes_total'), ['herald_closes_total{code="1000"} 3', 'herald_closes_total{code="4001"} 1'], 'a scrape does not count twice');
  });

  test('gauges follow their deltas, also back to zero between scrapes', async () => {
    const m = createEdgeMetrics();
    for (let i = 0; i < 3; i++) m.connectionOpened('herald');
    m.subscriptions(5);
    assert.deepEqual(await samples(m, 'herald_connections'), ['herald_connections{dialect="herald"} 3']);
    m.connectionClosed('herald', 1000);
    m.connectionOpened('herald');
    m.connectionClosed('herald', 1000);
    m.subscriptions(-2);
    assert.deepEqual(await samples(m, 'herald_connections'), ['herald_connections{dialect="herald"} 2']);
    assert.deepEqual(await samples(m, 'herald_subscriptions'), ['herald_subscriptions 3']);
    m.connectionClosed('herald', 1000);
    m.connectionClosed('herald', 1000);
    assert.deepEqual(await samples(m, 'herald_connections'), ['herald_connections{dialect="herald"} 0']);
  });

  test('unlabelled counters start at 0 and add fan-out sizes', async () => {
    const m = createEdgeMetrics();
    assert.deepEqual(await samples(m, 'herald_messages_out_total'), ['herald_messages_out_total 0']);
    m.delivered(10_000, 3);
    m.delivered(0, 1);
    assert.deepEqual(await samples(m, 'herald_messages_out_total'), ['herald_messages_out_total 10000']);
    assert.deepEqual(await samples(m, 'herald_fanouts_total'), ['herald_fanouts_total 2']);
  });

  test('resetConnectionCounters forgets counts made before it, scraped or not', async () => {
    const m = createEdgeMetrics();
    m.connectionOpened('herald');
    m.messageIn('herald');
    await samples(m, 'herald_connections');
    m.connectionOpened('herald');
    m.messageIn('herald');
    m.connectionClosed('herald', 1000);
    m.resetConnectionCounters();
    assert.deepEqual(await samples(m, 'herald_connections'), []);
    assert.deepEqual(await samples(m, 'herald_messages_in_total'), []);
    assert.deepEqual(await samples(m, 'herald_closes_total'), []);
    m.connectionOpened('herald');
    assert.deepEqual(await samples(m, 'herald_connections'), ['herald_connections{dialect="herald"} 1']);
  });
});
