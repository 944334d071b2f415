import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { API_KEY, startTestEdge, type TestEdge } from '../support/edge.js';
import { TestClient } from '../support/client.js';

describe('delivery: order, offsets, exact payload bytes, resume', () => {
  let edge: TestEdge;
  const STREAM = 'ai_orchestration:account:acct-1';
  const SUB = { channel: 'AiOrchestrationChannel', params: { type: 'account', id: 'acct-1' } };
  before(async () => {
    edge = await startTestEdge({ HERALD_HISTORY_MAX_PER_STREAM: '50' });
  });
  after(() => edge.stop());

  test('200 events arrive in order with increasing offsets, payload bytes unchanged', async () => {
    const c = await TestClient.connect(edge.ws, { token: await edge.token({}) });
    const sub = await c.subscribe(SUB);
    assert.equal(sub['recovered'], undefined);
    const raw: string[] = [];
    c.ws.on('message', (d) => raw.push(d.toString()));
    for (let i = 0; i < 200; i++) {
      const res = await fetch(`${edge.http}/v1/publish`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}` },
        body: `{"streams":["${STREAM}"],"event":"workflow.run.status.changed","resource_type":"workflow_run","resource_id":"r-${i}","payload":{"seq":${i},"big":12345678901234567890,"ratio":1.50}}`,
      });
      assert.equal(res.status, 200);
    }
    const events = await c.waitEvents(200, STREAM);
    assert.deepEqual(events.map((e) => e['event']['payload']['seq']), Array.from({ length: 200 }, (_, i) => i));
    for (let i = 1; i < events.length; i++) assert.ok(events[i]!['offset'] > events[i - 1]!['offset']);
    assert.ok(events.every((e) => e['epoch'] === edge.bus.epoch()));
    assert.ok(raw.some((f) => f.includes('"payload":{"seq":7,"big":12345678901234567890,"ratio":1.50}')), 'payload bytes pass through untouched');
    c.close();
  });

  test('resume with since gets exactly the missed events once, then live ones', async () => {
    const a = await TestClient.connect(edge.ws, { token: await edge.token({}) });
    await a.subscribe(SUB);
    const before = a.events(STREAM).length;
    await edge.publish([STREAM], 'agent.execution.started', { n: 'seen' });
    const [seen] = (await a.waitEvents(before + 1, STREAM)).slice(-1);
    const epoch = seen!['epoch'];
    const offset = seen!['offset'];
    a.close();
    await a.closed;
    const missed = [];
    for (let i = 0; i < 5; i++) missed.push((await edge.publish([STREAM], 'agent.execution.progress', { i })).streams[0]!.offset);
    const b = await TestClient.connect(edge.ws, { token: await edge.token({}) });
    const sub = await b.subscribe({ ...SUB, since: { epoch, offset } });
    assert.equal(sub['recovered'], true);
    assert.equal(sub['streams'][0].offset, offset);
    await edge.publish([STREAM], 'agent.execution.completed', { live: true });
    const got = await b.waitEvents(6, STREAM);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(b.events(STREAM).length, 6, 'no duplicates');
    assert.deepEqual(got.slice(0, 5).map((e) => e['offset']), missed);
    assert.equal(got[5]!['event']['event'], 'agent.execution.completed');
    b.close();
  });

  test('resume from a position that fell out of history, or from another epoch, says recovered: false', async () => {
    const c = await TestClient.connect(edge.ws, { token: await edge.token({}) });
    const first = await edge.publish([STREAM], 'x.old', {});
    for (let i = 0; i < 60; i++) await edge.publish([STREAM], 'x.fill', { i }); // history keeps 50
    const evicted = await c.subscribe({ ...SUB, since: { epoch: edge.bus.epoch(), offset: first.streams[0]!.offset - 1 } });
    assert.equal(evicted['recovered'], false);
    assert.equal(c.events(STREAM).length, 0, 'nothing replayed when the client must refetch');
    c.send({ type: 'unsubscribe', ...SUB });
    await c.type('unsubscribed');
    const other = await c.subscribe({ ...SUB, since: { epoch: 'an-older-epoch', offset: 3 } });
    assert.equal(other['recovered'], false);
    c.close();
  });

  test('one event reaches every subscriber of the stream (fan-out through one bus subscription)', async () => {
    const token = await edge.token({});
    const clients: TestClient[] = [];
    for (let batch = 0; batch < 5; batch++) clients.push(...(await Promise.all(Array.from({ length: 10 }, () => TestClient.connect(edge.ws, { token })))));
    await Promise.all(clients.map((c) => c.subscribe(SUB)));
    assert.equal(edge.server.connectionCount, 50);
    const { streams } = await edge.publish([STREAM], 'monitoring.alert.triggered', { level: 'warn' });
    for (const c of clients) {
      const [e] = (await c.waitEvents(1, STREAM)).filter((f) => f['offset'] === streams[0]!.offset);
      assert.equal(e!['event']['event'], 'monitoring.alert.triggered');
    }
    assert.equal(edge.server.hub.activeStreams >= 1, true);
    clients.forEach((c) => c.close());
  });

  test('one publish to several streams (run, workflow, account levels)', async () => {
    await edge.owners.setOwner('workflow_run', 'r-9', 'acct-1');
    await edge.owners.setOwner('workflow', 'wf-1', 'acct-1');
    const c = await TestClient.connect(edge.ws, { token: await edge.token({}) });
    await c.subscribe({ channel: 'AiOrchestrationChannel', params: { type: 'workflow_run', id: 'r-9' } });
    await c.subscribe({ channel: 'AiOrchestrationChannel', params: { type: 'workflow', id: 'wf-1' } });
    const res = await edge.publish(['ai_orchestration:workflow_run:r-9', 'ai_orchestration:workflow:wf-1', STREAM], 'workflow.node.execution.updated', { id: 'n1' });
    assert.equal(res.streams.length, 3);
    await c.waitEvents(1, 'ai_orchestration:workflow_run:r-9');
    await c.waitEvents(1, 'ai_orchestration:workflow:wf-1');
    c.close();
  });
});
