import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Authorizer } from '@herald/authz';
import { API_KEY, startTestEdge, type TestEdge } from '../support/edge.js';

describe('REST fallbacks: /v1/streams/{stream}/last and /history with a user JWT', () => {
  let edge: TestEdge;
  let mine: string;
  let theirs: string;
  const STREAM = 'ai_conversation:rf-1';
  const path = (stream: string, what: 'last' | 'history', query = ''): string => `${edge.http}/v1/streams/${encodeURIComponent(stream)}/${what}${query}`;
  const get = (url: string, token?: string): Promise<Response> => fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  let offsets: number[] = [];

  before(async () => {
    edge = await startTestEdge();
    mine = await edge.token({ sub: 'u-rf', account: 'acct-1' });
    theirs = await edge.token({ sub: 'u-other', account: 'acct-2' });
    await edge.owners.setOwner('ai_conversation', 'rf-1', 'acct-1');
    await edge.owners.setOwner('ai_conversation', 'rf-empty', 'acct-1');
    offsets = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${edge.http}/v1/publish`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}` },
        body: `{"streams":["${STREAM}"],"event":"ai.message.created","resource_type":"ai_message","resource_id":"m-${i}","payload":{"i":${i},"big":12345678901234567890}}`,
      });
      offsets.push(((await res.json()) as { streams: { offset: number }[] }).streams[0]!.offset);
    }
  });
  after(() => edge.stop());

  test('last: the newest stored event, spliced byte for byte', async () => {
    const res = await get(path(STREAM, 'last'), mine);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.match(text, /"payload":\{"i":2,"big":12345678901234567890\}/);
    const body = JSON.parse(text);
    assert.equal(body.stream, STREAM);
    assert.equal(body.epoch, edge.bus.epoch());
    assert.equal(body.offset, offsets[2]);
    assert.equal(body.event.event, 'ai.message.created');
    assert.equal(body.event.resource_id, 'm-2');
  });

  test('history with the JWT as a bearer or as ?token=: the events after an offset', async () => {
    for (const res of [await get(path(STREAM, 'history', `?since=${offsets[0]}`), mine), await get(path(STREAM, 'history', `?since=${offsets[0]}&token=${mine}`))]) {
      assert.equal(res.status, 200);
      const h = await res.json();
      assert.equal(h.recovered, true);
      assert.equal(h.head, offsets[2]);
      assert.deepEqual(h.events.map((e: { offset: number; event: { resource_id: string } }) => [e.offset, e.event.resource_id]), [
        [offsets[1], 'm-1'],
        [offsets[2], 'm-2'],
      ]);
    }
    const limited = await (await get(path(STREAM, 'history', '?since=0&limit=1'), mine)).json();
    assert.equal(limited.events.length, 1);
    const otherEpoch = await (await get(path(STREAM, 'history', '?since=1&epoch=elsewhere'), mine)).json();
    assert.equal(otherEpoch.recovered, false);
  });

  test('another account is forbidden: 403 {"error":"forbidden"}', async () => {
    for (const what of ['last', 'history'] as const) {
      const res = await get(path(STREAM, what), theirs);
      assert.equal(res.status, 403);
      assert.equal((await res.json()).error, 'forbidden');
    }
  });

  test('a stream no channel produces is a 404; an empty stream has no last event', async () => {
    for (const stream of ['nope:1', 'ai_orchestration:bogus:1', 'ai_conversation:a:b']) {
      const res = await get(path(stream, 'last'), mine);
      assert.equal(res.status, 404, stream);
      assert.equal((await res.json()).error, 'unknown_stream');
    }
    const empty = await get(path('ai_conversation:rf-empty', 'last'), mine);
    assert.equal(empty.status, 404);
    assert.equal((await empty.json()).error, 'empty');
  });

  test('params implied by the identity and params the stream does not name', async () => {
    await edge.publish(['inbox:account:acct-1'], 'notice', { hello: true });
    assert.equal((await get(path('inbox:account:acct-1', 'last'), mine)).status, 200);
    assert.equal((await get(path('inbox:account:acct-1', 'last'), theirs)).status, 403);
    assert.equal((await get(path('inbox:user:u-rf', 'history'), mine)).status, 200);
    assert.equal((await get(path('inbox:user:u-rf', 'history'), theirs)).status, 403);
    // GitJobLogsChannel also needs a repository and a pipeline, which its stream does not name.
    await edge.owners.setOwner('git_job', 'j-rf', 'acct-1');
    await edge.publish(['git_job_logs:j-rf'], 'log.chunk', { lines: ['a'] });
    assert.equal((await get(path('git_job_logs:j-rf', 'history'), mine)).status, 200);
    assert.equal((await get(path('git_job_logs:j-rf', 'history'), theirs)).status, 403);
  });

  test('bad or revoked tokens get 401', async () => {
    const bad = await get(path(STREAM, 'last'), 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad');
    assert.equal(bad.status, 401);
    assert.equal((await bad.json()).error, 'unauthorized');
    const viaQuery = await fetch(path(STREAM, 'last', '?token=garbage'));
    assert.equal(viaQuery.status, 401);
    const revokedToken = await edge.token({ sub: 'u-rf-revoked', account: 'acct-1' });
    await edge.control.revoke({ kind: 'user', value: 'u-rf-revoked', reason: 'test', ttlMs: 60_000 });
    const revoked = await get(path(STREAM, 'last'), revokedToken);
    assert.equal(revoked.status, 401);
    assert.equal((await revoked.json()).reason, 'revoked');
  });

  test('the API key still reads any stream, with the same shapes; no credentials is a 401', async () => {
    const res = await fetch(path(STREAM, 'history', `?since=${offsets[1]}`), { headers: { authorization: `Bearer ${API_KEY}` } });
    assert.equal(res.status, 200);
    const h = await res.json();
    assert.deepEqual(h.events.map((e: { offset: number }) => e.offset), [offsets[2]]);
    const viaHeader = await fetch(path(STREAM, 'last'), { headers: { 'x-herald-api-key': API_KEY } });
    assert.equal(viaHeader.status, 200);
    assert.equal((await viaHeader.json()).offset, offsets[2]);
    // Backends read streams no channel names (the API key is not subject to the catalog).
    await edge.publish(['backend:only'], 'x', {});
    assert.equal((await fetch(path('backend:only', 'last'), { headers: { authorization: `Bearer ${API_KEY}` } })).status, 200);
    assert.equal((await fetch(path(STREAM, 'last'))).status, 401);
    assert.equal((await fetch(path(STREAM, 'history'), { headers: { authorization: 'Bearer not-the-key-at-all' } })).status, 401);
  });

  test('authorization unavailable: 503', async () => {
    const authorizer = edge.server.deps.authorizer as { check: Authorizer['check'] };
    const original = authorizer.check;
    authorizer.check = () => Promise.reject(new Error('authz down'));
    try {
      const res = await get(path(STREAM, 'last'), mine);
      assert.equal(res.status, 503);
      assert.equal((await res.json()).error, 'authz_unavailable');
    } finally {
      authorizer.check = original;
    }
    assert.equal((await get(path(STREAM, 'last'), mine)).status, 200);
  });
});
