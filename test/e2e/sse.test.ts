import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { API_KEY, startTestEdge, type TestEdge } from '../support/edge.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';

/** One parsed SSE event. */
interface SseEvent {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: string;
}

/**
 * A streaming `fetch` of `/sse`, parsed incrementally as the browser's EventSource would
 * (fields, multi-line data, comments, `retry`), keeping the raw text too.
 */
class SseStream {
  readonly events: SseEvent[] = [];
  raw = '';
  lastEventId: string | undefined;
  readonly ended: Promise<void>;
  #waiters: { pred: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }[] = [];
  #endWaiters: (() => void)[] = [];

  private constructor(
    readonly response: Response,
    private readonly controller: AbortController,
  ) {
    this.ended = this.#read();
  }

  /** Open a stream; a non-200 answer rejects with its status and JSON body. */
  static async open(url: string, init: { headers?: Record<string, string> } = {}): Promise<SseStream> {
    const controller = new AbortController();
    const res = await fetch(url, { headers: init.headers ?? {}, signal: controller.signal });
    if (res.status !== 200) throw new SseRefused(res.status, (await res.json()) as Record<string, unknown>);
    return new SseStream(res, controller);
  }

  /** Expect a refusal: its status and JSON body. */
  static async refused(url: string, init: { headers?: Record<string, string> } = {}): Promise<SseRefused> {
    try {
      const s = await SseStream.open(url, init);
      s.close();
    } catch (err) {
      if (err instanceof SseRefused) return err;
      throw err;
    }
    throw new Error('expected the stream to be refused');
  }

  async #read(): Promise<void> {
    const reader = this.response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let fields: { id?: string; event?: string; data: string[] } = { data: [] };
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        this.raw += value;
        buffer += value;
        let nl: number;
        while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(buffer[nl] === '\r' && buffer[nl + 1] === '\n' ? nl + 2 : nl + 1);
          if (line === '') {
            if (fields.data.length > 0 || fields.event !== undefined) this.#dispatch({ id: fields.id, event: fields.event ?? 'message', data: fields.data.join('\n') });
            fields = { data: [] };
            continue;
          }
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const name = colon < 0 ? line : line.slice(0, colon);
          let value = colon < 0 ? '' : line.slice(colon + 1);
          if (value.startsWith(' ')) value = value.slice(1);
          if (name === 'data') fields.data.push(value);
          else if (name === 'event') fields.event = value;
          else if (name === 'id') fields.id = value;
        }
      }
    } catch {
      // aborted by close()
    } finally {
      for (const w of this.#endWaiters) w();
    }
  }

  #dispatch(e: SseEvent): void {
    if (e.id !== undefined) this.lastEventId = e.id;
    this.events.push(e);
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.pred(e)) return true;
      w.resolve(e);
      return false;
    });
  }

  next(pred: (e: SseEvent) => boolean, timeoutMs = 10_000): Promise<SseEvent> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching SSE event within ${timeoutMs} ms; got ${JSON.stringify(this.events.slice(-5))}`)), timeoutMs);
      this.#waiters.push({ pred, resolve: (e) => (clearTimeout(timer), resolve(e)) });
    });
  }

  named(event: string, timeoutMs?: number): Promise<SseEvent> {
    return this.next((e) => e.event === event, timeoutMs);
  }

  /** Events other than the protocol's own (subscribed, error, unsubscribed, disconnect). */
  get deliveries(): SseEvent[] {
    return this.events.filter((e) => !['subscribed', 'error', 'unsubscribed', 'disconnect'].includes(e.event));
  }

  async waitDeliveries(count: number, timeoutMs = 5000): Promise<SseEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.deliveries.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} events, got ${this.deliveries.length}: ${JSON.stringify(this.events)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return this.deliveries;
  }

  /** Resolves when the server ended the response (or after `close`). */
  async end(timeoutMs = 10_000): Promise<void> {
    await Promise.race([this.ended, new Promise((_, reject) => setTimeout(() => reject(new Error('the stream did not end')), timeoutMs))]);
  }

  close(): void {
    this.controller.abort();
  }
}

class SseRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(`refused with ${status}: ${JSON.stringify(body)}`);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const json = (e: SseEvent): Record<string, any> => JSON.parse(e.data) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function gauge(http: string, dialect: string): Promise<number> {
  const text = await (await fetch(`${http}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`herald_connections{dialect="${dialect}"} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

describe('Server-Sent Events at /sse', () => {
  let edge: TestEdge;
  let token: string;
  before(async () => {
    edge = await startTestEdge();
    token = await edge.token({});
    await edge.owners.setOwner('ai_conversation', 'c-1', 'acct-1');
    await edge.owners.setOwner('ai_conversation', 'c-other', 'acct-2');
    await edge.owners.setOwner('agent', 'ag-1', 'acct-1');
  });
  after(() => edge.stop());
  const url = (query: string, t: string = token): string => `${edge.http}/sse?${query}${t ? `&token=${encodeURIComponent(t)}` : ''}`;

  test('channel + plain query params: headers, retry, subscribed, then events with id, event name and the stored envelope', async () => {
    const s = await SseStream.open(url('channel=AiConversationChannel&conversation_id=c-1'));
    assert.equal(s.response.headers.get('content-type'), 'text/event-stream');
    assert.equal(s.response.headers.get('cache-control'), 'no-store');
    assert.equal(s.response.headers.get('x-accel-buffering'), 'no');
    const sub = json(await s.named('subscribed'));
    assert.equal(sub['channel'], 'AiConversationChannel');
    assert.deepEqual(sub['params'], { conversation_id: 'c-1' });
    assert.deepEqual(sub['streams'].map((x: { stream: string }) => x.stream), ['ai_conversation:c-1']);
    assert.equal(sub['recovered'], undefined);
    assert.ok(s.raw.startsWith('retry: 2000\n\n'), s.raw);

    const body = '{"streams":["ai_conversation:c-1"],"event":"ai.message.created","resource_type":"ai_message","resource_id":"m-1","payload":{"big":12345678901234567890,"ratio":1.50},"timestamp":"2026-01-01T00:00:00.000Z"}';
    const r = await fetch(`${edge.http}/v1/publish`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}` }, body });
    const { streams } = (await r.json()) as { streams: { offset: number; epoch: string }[] };
    const e = await s.named('ai.message.created');
    assert.equal(e.id, `${streams[0]!.epoch}:${streams[0]!.offset}`);
    assert.equal(
      e.data,
      '{"event":"ai.message.created","resource_type":"ai_message","resource_id":"m-1","payload":{"big":12345678901234567890,"ratio":1.50},"timestamp":"2026-01-01T00:00:00.000Z"}',
      'the envelope is spliced byte for byte',
    );
    assert.match(s.raw, new RegExp(`id: ${streams[0]!.epoch}:${streams[0]!.offset}\nevent: ai.message.created\ndata: \\{`));
    s.close();
  });

  test('params= as a JSON object, and channelId=', async () => {
    const a = await SseStream.open(url(`channel=AiOrchestrationChannel&params=${encodeURIComponent('{"type":"account","id":"acct-1"}')}`));
    assert.deepEqual(json(await a.named('subscribed'))['params'], { type: 'account', id: 'acct-1' });
    const b = await SseStream.open(url('channelId=agent:ag-1'));
    const sub = json(await b.named('subscribed'));
    assert.equal(sub['channelId'], 'agent:ag-1');
    await edge.publish(['ai_orchestration:account:acct-1'], 'agent.execution.started', { n: 1 });
    await edge.publish(['agent:ag-1'], 'agent.spawned', { id: 'ag-1' });
    assert.deepEqual(JSON.parse((await a.named('agent.execution.started')).data).payload, { n: 1 });
    assert.deepEqual(JSON.parse((await b.named('agent.spawned')).data).payload, { id: 'ag-1' });
    a.close();
    b.close();
  });

  test('tokens as Authorization: Bearer and as the herald_token cookie', async () => {
    const a = await SseStream.open(url('channel=AiConversationChannel&conversation_id=c-1', ''), { headers: { authorization: `Bearer ${token}` } });
    await a.named('subscribed');
    const b = await SseStream.open(url('channel=AiConversationChannel&conversation_id=c-1', ''), { headers: { cookie: `herald_token=${token}` } });
    await b.named('subscribed');
    a.close();
    b.close();
  });

  test('reconnect with Last-Event-ID: exactly the missed events, then live ones; recovered true', async () => {
    const STREAM = 'ai_conversation:c-1';
    const first = await SseStream.open(url('channel=AiConversationChannel&conversation_id=c-1'));
    await first.named('subscribed');
    await edge.publish([STREAM], 'msg.seen', { n: 0 });
    const seen = await first.named('msg.seen');
    first.close();
    await first.end();
    const missed: number[] = [];
    for (let i = 0; i < 3; i++) missed.push((await edge.publish([STREAM], 'msg.missed', { i })).streams[0]!.offset);

    const again = await SseStream.open(url('channel=AiConversationChannel&conversation_id=c-1'), { headers: { 'last-event-id': seen.id! } });
    const sub = json(await again.named('subscribed'));
    assert.equal(sub['recovered'], true);
    await edge.publish([STREAM], 'msg.live', { live: true });
    const got = await again.waitDeliveries(4);
    await sleep(50);
    assert.equal(again.deliveries.length, 4, 'no duplicates');
    const epoch = edge.bus.epoch();
    assert.deepEqual(got.slice(0, 3).map((e) => e.id), missed.map((o) => `${epoch}:${o}`));
    assert.deepEqual(got.map((e) => e.event), ['msg.missed', 'msg.missed', 'msg.missed', 'msg.live']);
    again.close();

    // ?lastEventId= with a bare offset means the current epoch.
    const bare = await SseStream.open(url(`channel=AiConversationChannel&conversation_id=c-1&lastEventId=${missed[1]}`));
    assert.equal(json(await bare.named('subscribed'))['recovered'], true);
    const replayed = await bare.waitDeliveries(2);
    assert.deepEqual(replayed.map((e) => e.id), [`${epoch}:${missed[2]}`, got[3]!.id]);
    bare.close();
  });

  test('a channel with two streams (the Inbox) resumes both from one event id', async () => {
    const t = await edge.token({ sub: 'u-inbox', account: 'acct-inbox' });
    const inbox = (q = ''): string => url(`channel=Inbox${q}`, t);
    await edge.publish(['inbox:account:acct-inbox'], 'account.old', {});
    const s = await SseStream.open(inbox());
    const sub = json(await s.named('subscribed'));
    assert.deepEqual(sub['streams'].map((x: { stream: string }) => x.stream), ['inbox:user:u-inbox', 'inbox:account:acct-inbox']);
    await edge.publish(['inbox:user:u-inbox'], 'user.seen', {});
    const seen = await s.named('user.seen');
    s.close();
    await s.end();
    // The account stream's newest offset is below the id (a store refuses a resume past a stream's
    // head): it resumes from its own head instead.
    const u2 = (await edge.publish(['inbox:user:u-inbox'], 'user.missed', {})).streams[0]!.offset;
    const again = await SseStream.open(inbox(), { headers: { 'last-event-id': seen.id! } });
    assert.equal(json(await again.named('subscribed'))['recovered'], true);
    const a3 = (await edge.publish(['inbox:account:acct-inbox'], 'account.live', {})).streams[0]!.offset;
    const got = await again.waitDeliveries(2);
    await sleep(50);
    assert.equal(again.deliveries.length, 2);
    const epoch = edge.bus.epoch();
    assert.deepEqual(got.map((e) => e.id), [`${epoch}:${u2}`, `${epoch}:${a3}`]);
    again.close();
  });

  test('an id from another epoch: recovered false, nothing replayed; an unreadable id is a 400', async () => {
    const s = await SseStream.open(url('channel=AiConversationChannel&conversation_id=c-1'), { headers: { 'last-event-id': 'an-older-epoch:3' } });
    const sub = json(await s.named('subscribed'));
    assert.equal(sub['recovered'], false);
    await sleep(50);
    assert.equal(s.deliveries.length, 0);
    s.close();
    const bad = await SseStream.refused(url('channel=AiConversationChannel&conversation_id=c-1'), { headers: { 'last-event-id': 'not an id' } });
    assert.equal(bad.status, 400);
    assert.match(String(bad.body['message']), /Last-Event-ID/);
  });

  test('the subscribed frame carries an id, so a reconnect before any event still resumes', async () => {
    const STREAM = 'ai_conversation:c-1';
    const s = await SseStream.open(url('channel=AiConversationChannel&conversation_id=c-1'));
    const sub = await s.named('subscribed');
    assert.match(sub.id ?? '', /^[^:]+:\d+$/);
    s.close();
    await s.end();
    const { streams } = await edge.publish([STREAM], 'msg.between', {});
    const again = await SseStream.open(url('channel=AiConversationChannel&conversation_id=c-1'), { headers: { 'last-event-id': sub.id! } });
    const [e] = await again.waitDeliveries(1);
    assert.equal(e!.id, `${streams[0]!.epoch}:${streams[0]!.offset}`);
    again.close();
  });

  test('live-only events (streams without history) have no id line', async () => {
    await edge.owners.setOwner('ai_agent_execution', 'ex-1', 'acct-1');
    const s = await SseStream.open(url('channel=AiStreamingChannel&execution_id=ex-1'));
    const sub = await s.named('subscribed');
    assert.equal(sub.id, undefined);
    await edge.publish([json(sub)['streams'][0].stream], 'token', { t: 'hi' });
    const e = await s.named('token');
    assert.equal(e.id, undefined);
    assert.deepEqual(JSON.parse(e.data).payload, { t: 'hi' });
    s.close();
  });

  test('refusals are HTTP statuses with JSON: 401 bad or missing token, 403 forbidden, 404 unknown channel, 400 bad params', async () => {
    const bad = await SseStream.refused(url('channel=AiConversationChannel&conversation_id=c-1', 'garbage.token.here'));
    assert.equal(bad.status, 401);
    assert.equal(bad.body['error'], 'unauthorized');
    const none = await SseStream.refused(url('channel=AiConversationChannel&conversation_id=c-1', ''));
    assert.equal(none.status, 401);
    assert.equal(none.body['reason'], 'missing_token');
    const forbidden = await SseStream.refused(url('channel=AiConversationChannel&conversation_id=c-other'));
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.body['error'], 'forbidden');
    assert.equal(forbidden.body['retryable'], false);
    const unknown = await SseStream.refused(url('channel=NoSuchChannel&x=1'));
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body['error'], 'unknown_channel');
    const invalid = await SseStream.refused(url('channel=AiConversationChannel'));
    assert.equal(invalid.status, 400);
    assert.equal(invalid.body['error'], 'invalid_params');
    const noChannel = await SseStream.refused(url('x=1'));
    assert.equal(noChannel.status, 400);
    const badJson = await SseStream.refused(url('channel=AiConversationChannel&params=%7Bnope'));
    assert.equal(badJson.status, 400);
    await sleep(50);
    assert.equal(edge.server.connectionCount, 0, 'refused streams leave no session behind');
  });

  test('revocation ends the stream with event: disconnect (reconnect false)', async () => {
    const sub = 'u-sse-revoked';
    const token = await edge.token({ sub });
    const s = await SseStream.open(url('channel=AiOrchestrationChannel&type=account&id=acct-1', token));
    await s.named('subscribed');
    const res = await fetch(`${edge.http}/v1/admin/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({ kind: 'user', value: sub, reason: 'test' }),
    });
    assert.equal(res.status, 200);
    assert.deepEqual(json(await s.named('disconnect')), { reason: 'revoked', reconnect: false });
    await s.end();
    // The same token again (a token issued after the revocation may connect: user revocations cover earlier tokens).
    const again = await SseStream.refused(url('channel=AiOrchestrationChannel&type=account&id=acct-1', token));
    assert.equal(again.status, 401);
    assert.equal(again.body['reason'], 'revoked');
  });

  test('token expiry ends the stream with event: disconnect token_expired (reconnect true)', async () => {
    // exp is whole seconds: ttl 1 can leave a few ms, and the stream is then refused before it starts (a 401 token_expired).
    const s = await SseStream.open(url('channel=AiOrchestrationChannel&type=account&id=acct-1', await edge.token({ ttlSec: 2 })));
    await s.named('subscribed');
    assert.deepEqual(json(await s.named('disconnect', 5000)), { reason: 'token_expired', reconnect: true });
    await s.end();
  });

  test('ownership moving away withdraws the subscription: event: unsubscribed, then disconnect', async () => {
    await edge.owners.setOwner('ai_conversation', 'c-moving', 'acct-1');
    const s = await SseStream.open(url('channel=AiConversationChannel&conversation_id=c-moving'));
    await s.named('subscribed');
    await edge.owners.setOwner('ai_conversation', 'c-moving', 'acct-9');
    assert.equal(json(await s.named('unsubscribed'))['reason'], 'forbidden');
    assert.deepEqual(json(await s.named('disconnect')), { reason: 'forbidden', reconnect: false });
    await s.end();
  });

  test('a client abort frees the session: the connection gauge returns to 0', async () => {
    const streams = await Promise.all([1, 2, 3].map(() => SseStream.open(url('channel=AiConversationChannel&conversation_id=c-1'))));
    await Promise.all(streams.map((s) => s.named('subscribed')));
    assert.equal(await gauge(edge.http, 'sse'), 3);
    for (const s of streams) s.close();
    const deadline = Date.now() + 5000;
    while ((await gauge(edge.http, 'sse')) !== 0) {
      if (Date.now() > deadline) assert.fail('the sse gauge did not return to 0');
      await sleep(20);
    }
    assert.equal(edge.server.connectionCount, 0);
    assert.equal(edge.server.sseTopics.size, 0);
  });

  test('an idle stream gets no data but stays open; events still arrive after a pause', async () => {
    const s = await SseStream.open(url('channel=AiConversationChannel&conversation_id=c-1'));
    await s.named('subscribed');
    await sleep(300);
    await edge.publish(['ai_conversation:c-1'], 'msg.later', {});
    await s.named('msg.later');
    s.close();
  });
});

describe('SSE: drain and slow consumers', () => {
  test('drain ends streams with event: disconnect (reconnect true); new streams get 503', async () => {
    const edge = await startTestEdge();
    try {
      const s = await SseStream.open(`${edge.http}/sse?channel=AiOrchestrationChannel&type=account&id=acct-1&token=${await edge.token({})}`);
      await s.named('subscribed');
      await edge.server.drain(50);
      const d = json(await s.named('disconnect')) as { retryAfterMs?: number };
      assert.deepEqual({ ...d, retryAfterMs: undefined }, { reason: 'draining', reconnect: true, retryAfterMs: undefined });
      assert.ok(d.retryAfterMs !== undefined && d.retryAfterMs >= 0 && d.retryAfterMs < 2000);
      await s.end();
      const refused = await SseStream.refused(`${edge.http}/sse?channel=AiOrchestrationChannel&type=account&id=acct-1&token=${await edge.token({})}`);
      assert.equal(refused.status, 503);
    } finally {
      await edge.stop();
    }
  });

  /** A raw HTTP/1.1 request on a socket the test reads only when it wants to. */
  async function rawStream(edge: TestEdge, query: string): Promise<{ sock: import('node:net').Socket; text: () => string }> {
    const net = await import('node:net');
    const sock = net.connect(edge.port, '127.0.0.1');
    await new Promise<void>((r) => sock.once('connect', () => r()));
    let text = '';
    sock.on('data', (d: Buffer) => (text += d.toString('latin1')));
    sock.on('error', () => {});
    sock.write(`GET /sse?${query} HTTP/1.1\r\nHost: x\r\n\r\n`);
    const deadline = Date.now() + 5000;
    while (!text.includes('event: subscribed')) {
      if (Date.now() > deadline) throw new Error(`no subscribed frame: ${text}`);
      await sleep(5);
    }
    return { sock, text: () => text };
  }
  const count = (text: string, needle: string): number => text.split(needle).length - 1;

  test('a consumer that falls behind and catches up gets every buffered event without further writes', async () => {
    const edge = await startTestEdge({ HERALD_MAX_BACKPRESSURE_BYTES: String(256 * 1024 * 1024) });
    try {
      const { sock, text } = await rawStream(edge, `channel=AiOrchestrationChannel&type=account&id=acct-1&token=${await edge.token({})}`);
      sock.pause();
      const [session] = [...edge.server.sessions()];
      const payload = { blob: 'x'.repeat(64 * 1024) };
      // Published in process, outside any uWS callback: the frames are written from plain JS, as a NATS delivery would be.
      const bulk = () => edge.producer.publish({ streams: ['ai_orchestration:account:acct-1'], event: 'bulk', payload });
      let published = 0;
      while (session!.bufferedAmount() === 0) {
        if (published > 2000) assert.fail('never saw backpressure');
        await bulk();
        published++;
      }
      // Well past the first sign of backpressure: uWS now holds several frames.
      for (let i = 0; i < 20; i++, published++) await bulk();
      assert.ok(session!.bufferedAmount() > 20 * 64 * 1024);
      assert.equal(edge.server.connectionCount, 1, 'still within the limit');
      await sleep(500); // every buffer between the two ends is full and settled
      sock.resume();
      const deadline = Date.now() + 10_000;
      while (count(text(), 'event: bulk\n') < published) {
        if (Date.now() > deadline) assert.fail(`got ${count(text(), 'event: bulk\n')} of ${published} events after catching up`);
        await sleep(10);
      }
      await sleep(50);
      assert.equal(session!.bufferedAmount(), 0, 'the buffer drained');
      await edge.publish(['ai_orchestration:account:acct-1'], 'after', {});
      while (!text().includes('event: after\n')) {
        if (Date.now() > deadline) assert.fail('no live event after catching up');
        await sleep(10);
      }
      sock.destroy();
    } finally {
      await edge.stop();
    }
  });

  test('a consumer that stops reading is closed once it falls behind the backpressure limit', async () => {
    const edge = await startTestEdge({ HERALD_MAX_BACKPRESSURE_BYTES: String(64 * 1024) });
    try {
      const { sock } = await rawStream(edge, `channel=AiOrchestrationChannel&type=account&id=acct-1&token=${await edge.token({})}`);
      sock.pause();
      assert.equal(edge.server.connectionCount, 1);
      const payload = { blob: 'x'.repeat(32 * 1024) };
      const deadline = Date.now() + 20_000;
      while (edge.server.connectionCount > 0) {
        if (Date.now() > deadline) assert.fail('the slow consumer was never closed');
        await edge.publish(['ai_orchestration:account:acct-1'], 'bulk', payload);
      }
      assert.equal(await gauge(edge.http, 'sse'), 0);
      assert.equal(edge.server.sseTopics.size, 0);
      sock.destroy();
    } finally {
      await edge.stop();
    }
  });
});

describe('SSE in cluster mode', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startTestCluster({ nodes: 1, edges: 2 });
  });
  after(() => cluster.stop());

  test('an event published on edge 2 reaches an SSE client on edge 1, and a resume works across edges', async () => {
    const [one, two] = cluster.edges as [NonNullable<(typeof cluster.edges)[0]>, NonNullable<(typeof cluster.edges)[0]>];
    const token = await cluster.token({});
    const query = `channel=AiOrchestrationChannel&type=account&id=acct-1&token=${token}`;
    const s = await SseStream.open(`${one.http}/sse?${query}`);
    await s.named('subscribed');
    const { streams } = await cluster.publish(two, ['ai_orchestration:account:acct-1'], 'workflow.run.status.changed', { status: 'running' });
    const e = await s.named('workflow.run.status.changed');
    assert.equal(e.id, `${streams[0]!.epoch}:${streams[0]!.offset}`);
    assert.deepEqual(JSON.parse(e.data).payload, { status: 'running' });
    s.close();
    await cluster.publish(two, ['ai_orchestration:account:acct-1'], 'workflow.run.status.changed', { status: 'done' });
    const resumed = await SseStream.open(`${two.http}/sse?${query}`, { headers: { 'last-event-id': e.id! } });
    assert.equal(json(await resumed.named('subscribed'))['recovered'], true);
    const [missed] = await resumed.waitDeliveries(1);
    assert.deepEqual(JSON.parse(missed!.data).payload, { status: 'done' });
    resumed.close();
  });
});
