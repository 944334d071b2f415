import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { API_KEY, startTestEdge, type TestEdge } from '../support/edge.js';

describe('HTTP API for producers and operators', () => {
  let edge: TestEdge;
  before(async () => {
    edge = await startTestEdge();
  });
  after(() => edge.stop());
  const auth = { authorization: `Bearer ${API_KEY}` };

  test('publish needs the API key', async () => {
    const body = JSON.stringify({ streams: ['s'], event: 'e', payload: {} });
    const none = await fetch(`${edge.http}/v1/publish`, { method: 'POST', body });
    assert.equal(none.status, 401);
    assert.equal((await none.json()).reason, 'missing_api_key');
    const wrong = await fetch(`${edge.http}/v1/publish`, { method: 'POST', body, headers: { authorization: 'Bearer nope-nope-nope-nope' } });
    assert.equal((await wrong.json()).reason, 'bad_api_key');
    const viaHeader = await fetch(`${edge.http}/v1/publish`, { method: 'POST', body, headers: { 'x-herald-api-key': API_KEY } });
    assert.equal(viaHeader.status, 200);
  });

  test('bad publish bodies get 400 with the reason; oversized ones 413', async () => {
    const bad = await fetch(`${edge.http}/v1/publish`, { method: 'POST', headers: auth, body: '{"streams":"s","event":"e"}' });
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).message, /streams/);
    const big = await fetch(`${edge.http}/v1/publish`, { method: 'POST', headers: auth, body: JSON.stringify({ streams: ['s'], event: 'e', payload: 'x'.repeat(2 * 1024 * 1024) }) });
    assert.equal(big.status, 413);
  });

  test('publish answers offsets per stream; history returns the stored envelopes after an offset', async () => {
    const r1 = await (await fetch(`${edge.http}/v1/publish`, { method: 'POST', headers: auth, body: '{"streams":["git_job_logs:j-1"],"event":"log.chunk","payload":{"lines":["a"]}}' })).json();
    const r2 = await (await fetch(`${edge.http}/v1/publish`, { method: 'POST', headers: auth, body: '{"streams":["git_job_logs:j-1"],"event":"log.complete","payload":{"n":12345678901234567890}}' })).json();
    assert.ok(r2.streams[0].offset > r1.streams[0].offset);
    const res = await fetch(`${edge.http}/v1/streams/${encodeURIComponent('git_job_logs:j-1')}/history?since=${r1.streams[0].offset}`, { headers: auth });
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.match(text, /"payload":\{"n":12345678901234567890\}/);
    const h = JSON.parse(text);
    assert.equal(h.recovered, true);
    assert.equal(h.head, r2.streams[0].offset);
    assert.deepEqual(h.events.map((e: { offset: number; event: { event: string } }) => [e.offset, e.event.event]), [[r2.streams[0].offset, 'log.complete']]);
    assert.equal((await fetch(`${edge.http}/v1/streams/x/history`)).status, 401);
  });

  test('streams without history (token streaming) are delivered live only', async () => {
    const r = await (await fetch(`${edge.http}/v1/publish`, { method: 'POST', headers: auth, body: '{"streams":["ai_streaming:execution:e1"],"event":"token","payload":{"t":"hi"}}' })).json();
    assert.equal(r.streams[0].offset, 0);
  });

  test('owners are recorded and validated', async () => {
    const ok = await fetch(`${edge.http}/v1/owners/ai_conversation/77`, { method: 'PUT', headers: auth, body: '{"account_id":"acct-3"}' });
    assert.equal(ok.status, 204);
    assert.equal(await edge.owners.getOwner('ai_conversation', '77'), 'acct-3');
    const bad = await fetch(`${edge.http}/v1/owners/ai_conversation/77`, { method: 'PUT', headers: auth, body: '{"account_id":7}' });
    assert.equal(bad.status, 400);
    assert.equal((await fetch(`${edge.http}/v1/owners/ai_conversation/77`, { method: 'DELETE', headers: auth })).status, 204);
    assert.equal(await edge.owners.getOwner('ai_conversation', '77'), undefined);
  });

  test('the channel catalog is published at /v1/channels; unknown paths 404', async () => {
    const { channels } = await (await fetch(`${edge.http}/v1/channels`)).json();
    const names = channels.map((c: { name: string }) => c.name);
    for (const n of ['AiConversationChannel', 'DevopsPipelineChannel', 'agent', '/ws/system']) assert.ok(names.includes(n), n);
    assert.equal((await fetch(`${edge.http}/nope`)).status, 404);
    assert.equal((await fetch(`${edge.http}/v1/dev/token`, { method: 'POST', body: '{"sub":"x"}' })).status, 404, 'no dev tokens outside development mode');
  });
});
