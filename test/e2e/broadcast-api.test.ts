import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { API_KEY, startTestEdge, type TestEdge } from '../support/edge.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { TestClient, type Frame } from '../support/client.js';

/** A bare ActionCable-dialect socket (`ws`, subprotocol actioncable-v1-json) keeping every text frame as received. */
class CableSocket {
  readonly raw: string[] = [];
  #waiters: { pred: (text: string, frame: Frame) => boolean; resolve: (text: string) => void }[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = data.toString();
      this.raw.push(text);
      const frame = JSON.parse(text) as Frame;
      this.#waiters = this.#waiters.filter((w) => {
        if (!w.pred(text, frame)) return true;
        w.resolve(text);
        return false;
      });
    });
  }

  static connect(base: string, token: string): Promise<CableSocket> {
    const ws = new WebSocket(`${base}/cable?token=${encodeURIComponent(token)}`, ['actioncable-v1-json']);
    const socket = new CableSocket(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(socket));
      ws.once('error', reject);
    });
  }

  /** The first frame (seen or future) matching `pred`, as raw text. */
  next(pred: (text: string, frame: Frame) => boolean, timeoutMs = 10_000): Promise<string> {
    const seen = this.raw.find((t) => pred(t, JSON.parse(t) as Frame));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching frame within ${timeoutMs} ms; got ${this.raw.slice(-5).join('\n')}`)), timeoutMs);
      this.#waiters.push({ pred, resolve: (t) => (clearTimeout(timer), resolve(t)) });
    });
  }

  async subscribe(identifier: string): Promise<void> {
    this.ws.send(JSON.stringify({ command: 'subscribe', identifier }));
    await this.next((_, f) => f['type'] === 'confirm_subscription' && f['identifier'] === identifier);
  }

  /** Messages of a subscription, as raw frames (pings and control frames left out). */
  messages(identifier: string): string[] {
    return this.raw.filter((t) => {
      const f = JSON.parse(t) as Frame;
      return f['type'] === undefined && f['identifier'] === identifier && 'message' in f;
    });
  }

  close(): void {
    this.ws.close();
  }
}

const identifierFor = (conversation: string): string => JSON.stringify({ channel: 'AiConversationChannel', conversation_id: conversation });

async function broadcast(http: string, body: unknown): Promise<Response> {
  return fetch(`${http}/v1/broadcast`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('ActionCable-shaped publishing at /v1/broadcast', () => {
  let edge: TestEdge;
  let native: TestClient;
  let cable: CableSocket;
  const CONV = 'c-1';
  const STREAM = `ai_conversation:${CONV}`;
  const IDENTIFIER = identifierFor(CONV);

  before(async () => {
    edge = await startTestEdge();
    await edge.owners.setOwner('ai_conversation', CONV, 'acct-1');
    await edge.owners.setOwner('ai_conversation', 'c-2', 'acct-1');
    const token = await edge.token({});
    native = await TestClient.connect(edge.ws, { token });
    const sub = await native.subscribe({ channel: 'AiConversationChannel', params: { conversation_id: CONV } });
    assert.equal(sub['type'], 'subscribed');
    await native.subscribe({ channel: 'AiConversationChannel', params: { conversation_id: 'c-2' } });
    cable = await CableSocket.connect(edge.ws, token);
    await cable.subscribe(IDENTIFIER);
  });
  after(async () => {
    native.close();
    cable.close();
    await edge.stop();
  });

  test('AnyCable format, raw data: ActionCable gets exactly the data as message; native gets {event: data.type, payload: data}', async () => {
    const data = '{"type":"chat.message","text":"hi","n":12345678901234567890,"ratio":1.50}';
    const res = await broadcast(edge.http, { stream: STREAM, data });
    assert.equal(res.status, 200);
    const { published } = (await res.json()) as { published: { stream: string; offset: number; epoch: string }[] };
    assert.equal(published.length, 1);
    assert.equal(published[0]!.stream, STREAM);
    assert.ok(published[0]!.offset > 0);
    assert.equal(published[0]!.epoch, edge.bus.epoch());

    const frame = await cable.next((_, f) => f['identifier'] === IDENTIFIER && 'message' in f && JSON.stringify(f['message']).includes('chat.message'));
    assert.equal(frame, `{"identifier":${JSON.stringify(IDENTIFIER)},"message":${data}}`, 'the message is the broadcast data, byte for byte');

    const e = await native.next((f) => f['type'] === 'event' && f['offset'] === published[0]!.offset);
    assert.equal(e['stream'], STREAM);
    assert.equal(e['event']['event'], 'chat.message');
    assert.deepEqual(e['event']['payload'], JSON.parse(data));
  });

  test('envelope-shaped data is published as that envelope: same event name, resource and payload everywhere', async () => {
    const data = '{"event":"ai.message.created","resource_type":"ai_message","resource_id":"m-9","payload":{"id":"m-9","big":12345678901234567890},"timestamp":"2026-01-02T03:04:05.000Z"}';
    const res = await broadcast(edge.http, { stream: STREAM, data });
    assert.equal(res.status, 200);
    const [{ offset }] = ((await res.json()) as { published: { offset: number }[] }).published as [{ offset: number }];
    const e = await native.next((f) => f['type'] === 'event' && f['offset'] === offset);
    assert.equal(e['event']['event'], 'ai.message.created');
    assert.equal(e['event']['resource_type'], 'ai_message');
    assert.equal(e['event']['resource_id'], 'm-9');
    assert.equal(e['event']['timestamp'], '2026-01-02T03:04:05.000Z');
    assert.equal(e['event']['raw'], undefined);
    const frame = await cable.next((t) => t.includes('"resource_id":"m-9"'));
    assert.equal(frame, `{"identifier":${JSON.stringify(IDENTIFIER)},"message":${data}}`, 'ActionCable clients get the envelope as it was broadcast');
  });

  test('an array of broadcasts, in order, to several streams; data as a JSON value; data without a type is a "message"', async () => {
    const items = [
      { stream: STREAM, data: '{"type":"first","seq":1}' },
      { stream: 'ai_conversation:c-2', data: { type: 'second', seq: 2, exact: 1.0 } },
      { stream: STREAM, data: '{"seq":3}' },
      { stream: STREAM, data: '["an","array"]' },
    ];
    const body = JSON.stringify(items).replace('"exact":1}', '"exact":1.0}');
    const res = await broadcast(edge.http, body);
    assert.equal(res.status, 200);
    const { published } = (await res.json()) as { published: { stream: string; offset: number }[] };
    assert.deepEqual(published.map((p) => p.stream), items.map((i) => i.stream));
    for (let i = 1; i < published.length; i++) assert.ok(published[i]!.offset > published[i - 1]!.offset, 'published in order');
    const events = await Promise.all(published.map((p) => native.next((f) => f['type'] === 'event' && f['offset'] === p.offset)));
    assert.deepEqual(events.map((e) => e['event']['event']), ['first', 'second', 'message', 'message']);
    assert.deepEqual(events[2]!['event']['payload'], { seq: 3 });
    assert.deepEqual(events[3]!['event']['payload'], ['an', 'array']);
    const second = await cable.next((t) => t.includes('"seq":3'));
    assert.equal(second, `{"identifier":${JSON.stringify(IDENTIFIER)},"message":{"seq":3}}`);
    // A JSON value keeps its bytes too (1.0 stays 1.0).
    const raw: string[] = [];
    const listener = (d: WebSocket.RawData): void => void raw.push(d.toString());
    native.ws.on('message', listener);
    const again = await broadcast(edge.http, '{"stream":"ai_conversation:c-2","data":{"type":"exact","v":1.0}}');
    const [{ offset }] = ((await again.json()) as { published: { offset: number }[] }).published as [{ offset: number }];
    await native.next((f) => f['offset'] === offset);
    native.ws.off('message', listener);
    assert.ok(raw.some((t) => t.includes('"payload":{"type":"exact","v":1.0}')), raw.join('\n'));
  });

  test('malformed input: 400 naming the bad item; nothing is published', async () => {
    const before = native.events(STREAM).length;
    const cases: [unknown, RegExp][] = [
      ['not json', /JSON/],
      [[], /empty/],
      [Array.from({ length: 101 }, () => ({ stream: STREAM, data: '{}' })), /at most 100/],
      [{ data: '{}' }, /stream is missing/],
      [[{ stream: STREAM, data: '{}' }, { stream: STREAM, data: '{bad json' }], /^item 1: data is not valid JSON/],
      [[{ stream: STREAM, data: '{}' }, { data: '{}' }], /^item 1: stream is missing/],
      [[{ stream: 'bad\nstream', data: '{}' }], /^item 0: stream contains control characters/],
      [[{ stream: STREAM, data: '{}' }, { stream: STREAM }], /^item 1: data is missing/],
      [[{ stream: STREAM, data: '{}' }, { stream: STREAM, data: 42 }], /^item 1: data must be/],
      [[{ stream: STREAM, data: '{}' }, 'a string'], /^item 1: a broadcast must be an object/],
      [{ stream: STREAM, data: '{"event":"bad event name","payload":{}}' }, /event may only contain/],
    ];
    for (const [body, message] of cases) {
      const res = await broadcast(edge.http, body);
      assert.equal(res.status, 400, JSON.stringify(body).slice(0, 100));
      const answer = (await res.json()) as { error: string; message: string };
      assert.equal(answer.error, 'bad_request');
      assert.match(answer.message, message);
    }
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(native.events(STREAM).length, before, 'nothing was published');
  });

  test('the API key is required; bodies over the publish limit get 413', async () => {
    const none = await fetch(`${edge.http}/v1/broadcast`, { method: 'POST', body: JSON.stringify({ stream: STREAM, data: '{}' }) });
    assert.equal(none.status, 401);
    const big = await broadcast(edge.http, { stream: STREAM, data: JSON.stringify({ blob: 'x'.repeat(2 * 1024 * 1024) }) });
    assert.equal(big.status, 413);
  });
});

describe('/v1/broadcast in cluster mode', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startTestCluster({ nodes: 1, edges: 2 });
  });
  after(() => cluster.stop());

  test('a broadcast on edge 2 reaches ActionCable and native clients on edge 1', async () => {
    const [one, two] = cluster.edges as [NonNullable<(typeof cluster.edges)[0]>, NonNullable<(typeof cluster.edges)[0]>];
    assert.equal((await cluster.api(two, 'PUT', '/v1/owners/ai_conversation/cl-1', { account_id: 'acct-1' })).status, 204);
    const token = await cluster.token({});
    const identifier = identifierFor('cl-1');
    const cable = await CableSocket.connect(one.ws, token);
    await cable.subscribe(identifier);
    const native = await TestClient.connect(one.ws, { token });
    assert.equal((await native.subscribe({ channel: 'AiConversationChannel', params: { conversation_id: 'cl-1' } }))['type'], 'subscribed');
    const data = '{"type":"chat.message","text":"from edge 2"}';
    const res = await broadcast(two.http, [{ stream: 'ai_conversation:cl-1', data }]);
    assert.equal(res.status, 200, await res.clone().text());
    const frame = await cable.next((t) => t.includes('from edge 2'));
    assert.equal(frame, `{"identifier":${JSON.stringify(identifier)},"message":${data}}`);
    const e = await native.next((f) => f['type'] === 'event' && f['stream'] === 'ai_conversation:cl-1');
    assert.equal(e['event']['event'], 'chat.message');
    assert.deepEqual(e['event']['payload'], JSON.parse(data));
    assert.equal(cable.messages(identifier).length, 1);
    cable.close();
    native.close();
  });
});
