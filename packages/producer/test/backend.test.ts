import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Identity } from '@herald/auth';
import {
  actionSubject,
  BackendWireError,
  decodeActionReply,
  decodeRpcReply,
  encodeActionRequest,
  rpcSubject,
  RPC_SUBJECT_ALL,
} from '@herald/bus';
import { registerConversationHandlers } from '@herald/demo';
import { BackendError, BackendServer, type Producer } from '@herald/producer';
import { ActionError, LocalActions, RpcError, type ActionRegistry, type ActionRequest } from '@herald/session';
import { NatsActionDispatcher, NatsRpcDispatcher } from '../../edge/src/nats-backend.js';
import { useLocalNats } from '../../../test/support/nats.js';

const fixture = useLocalNats();

const identity: Identity = {
  userId: 'u-1',
  accountId: 'acct-1',
  permissions: ['ai.chat', 'admin.read'],
  kind: 'user',
  sessionId: 's-1',
  apiTokenId: undefined,
  expiresAt: 1_900_000_000_000,
  issuedAt: 1_800_000_000_000,
  tokenHash: 'ab'.repeat(32),
};
const request = (over: Partial<ActionRequest> = {}): ActionRequest => ({
  identity,
  channel: 'AiConversationChannel',
  params: { conversation_id: 'c.42' },
  action: 'send_message',
  data: { content: 'hi', nested: { n: [1, 2, null] } },
  connectionId: 'conn-1',
  ...over,
});

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  assert.fail('expected a rejection');
}

// Compile-time: one registration code path for in-process and NATS backends.
const _registries: ActionRegistry[] = [new LocalActions(), {} as BackendServer];
const _conversationsFit = (backend: BackendServer, local: LocalActions, producer: Producer): void => {
  registerConversationHandlers(backend, producer);
  registerConversationHandlers(local, producer);
};

describe('wire', () => {
  test('subjects: one escaped token per name part', () => {
    assert.equal(actionSubject('AiConversationChannel', 'send_message'), 'herald.action.AiConversationChannel.send_message');
    assert.equal(actionSubject('a.b', 'x*'), 'herald.action.a=2Eb.x=2A');
    assert.equal(rpcSubject('tools/list'), 'herald.rpc.tools=2Flist');
    assert.equal(rpcSubject('a.b'), 'herald.rpc.a=2Eb');
    assert.equal(RPC_SUBJECT_ALL, 'herald.rpc.>');
  });

  test('request bodies carry the identity fields, never anything else the caller object holds', () => {
    const body = JSON.parse(new TextDecoder().decode(encodeActionRequest(request({ identity: { ...identity, rawToken: 'eyJ…' } as Identity }))));
    assert.deepEqual(Object.keys(body).sort(), ['action', 'channel', 'connectionId', 'data', 'identity', 'params']);
    assert.equal(body.identity.rawToken, undefined);
    assert.equal('apiTokenId' in body.identity, false, 'unset fields are left out');
    assert.equal(body.identity.userId, 'u-1');
  });

  test('malformed replies are errors, not crashes', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    for (const bad of ['nope', '[]', '{}', '{"error":{"code":5,"message":"x"}}', '{"error":{"code":"x"}}', '{"error":"boom"}']) {
      assert.throws(() => decodeActionReply(enc(bad)), BackendWireError, bad);
    }
    assert.throws(() => decodeRpcReply(enc('{"error":{"code":"x","message":"m"}}')), BackendWireError);
    assert.throws(() => decodeRpcReply(enc('{"error":{"code":1.5,"message":"m"}}')), BackendWireError);
    assert.deepEqual(decodeActionReply(enc('{"result":null}')), { result: null });
    assert.deepEqual(decodeRpcReply(enc('{"error":{"code":-1,"message":"m","data":[1]}}')), { error: { code: -1, message: 'm', data: [1] } });
  });
});

describe('actions: NatsActionDispatcher ↔ BackendServer', () => {
  let edgeNc: NatsConnection;
  let backendNc: NatsConnection;
  let backend: BackendServer;
  const errors: { message: string; fields: Record<string, unknown> }[] = [];
  let dispatcher: NatsActionDispatcher;
  before(async () => {
    edgeNc = await fixture.connect();
    backendNc = await fixture.connect();
    backend = new BackendServer(backendNc, { onError: (message, fields) => errors.push({ message, fields }) });
    dispatcher = new NatsActionDispatcher(edgeNc, { timeoutMs: 1000 });
  });
  after(() => backend.close());

  test('round trip: identity, params and data arrive intact; the result comes back', async () => {
    let seen: unknown;
    backend.handle('AiConversationChannel', 'send_message', (req) => {
      seen = req;
      return { status: 'ai_response_queued', echo: req.data };
    });
    await backend.ready();
    const result = await dispatcher.dispatch(request());
    assert.deepEqual(result, { status: 'ai_response_queued', echo: { content: 'hi', nested: { n: [1, 2, null] } } });
    assert.deepEqual(seen, request());
  });

  test('a handler that returns nothing answers null', async () => {
    backend.handle('Ch', 'void', () => undefined);
    await backend.ready();
    assert.equal(await dispatcher.dispatch(request({ channel: 'Ch', action: 'void' })), null);
  });

  test('a thrown {code, message} becomes that error; a code Herald does not know becomes action_failed with the message', async () => {
    backend.handle('Ch', 'coded', (req) => {
      throw (req.data as { code: string }).code === 'plain' ? { code: 'invalid_data', message: 'content is too long' } : new BackendError('quota_exceeded', 'daily quota used up');
    });
    await backend.ready();
    const e1 = await rejection(dispatcher.dispatch(request({ channel: 'Ch', action: 'coded', data: { code: 'plain' } })));
    assert.ok(e1 instanceof ActionError);
    assert.equal(e1.code, 'invalid_data');
    assert.equal(e1.message, 'content is too long');
    const e2 = await rejection(dispatcher.dispatch(request({ channel: 'Ch', action: 'coded', data: { code: 'other' } })));
    assert.ok(e2 instanceof ActionError);
    assert.equal(e2.code, 'action_failed');
    assert.equal(e2.message, 'daily quota used up');
  });

  test('any other error: action_failed with a generic message; the real error goes to the logger only', async () => {
    errors.length = 0;
    backend.handle('Ch', 'crash', () => {
      throw new Error('db password=hunter2 rejected');
    });
    backend.handle('Ch', 'syscall', async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:5432'), { code: 'ECONNREFUSED', errno: -111, syscall: 'connect' });
    });
    await backend.ready();
    for (const action of ['crash', 'syscall']) {
      const e = await rejection(dispatcher.dispatch(request({ channel: 'Ch', action })));
      assert.ok(e instanceof ActionError);
      assert.equal(e.code, 'action_failed');
      assert.equal(e.message, 'the action failed');
    }
    assert.equal(errors.length, 2);
    assert.match(String((errors[0]!.fields['error'] as Error).message), /hunter2/);
    assert.equal(errors[0]!.fields['action'], 'crash');
  });

  test('no backend: no_handler', async () => {
    const e = await rejection(dispatcher.dispatch(request({ channel: 'Nobody', action: 'home' })));
    assert.ok(e instanceof ActionError);
    assert.equal(e.code, 'no_handler');
    assert.equal(e.message, 'no backend handles Nobody.home');
  });

  test('a slow backend: action_failed after the timeout', async () => {
    const quick = new NatsActionDispatcher(edgeNc, { timeoutMs: 150 });
    backend.handle('Ch', 'slow', () => new Promise((r) => setTimeout(() => r('late'), 600)));
    await backend.ready();
    const started = Date.now();
    const e = await rejection(quick.dispatch(request({ channel: 'Ch', action: 'slow' })));
    assert.ok(e instanceof ActionError);
    assert.equal(e.code, 'action_failed');
    assert.equal(e.message, 'no answer within 150 ms');
    assert.ok(Date.now() - started < 550, 'the edge does not wait for the handler');
  });

  test('handle returns an unsubscribe function; re-registering replaces the handler', async () => {
    const stop = backend.handle('Ch', 'temp', () => 1);
    await backend.ready();
    assert.equal(await dispatcher.dispatch(request({ channel: 'Ch', action: 'temp' })), 1);
    const stop2 = backend.handle('Ch', 'temp', () => 2);
    assert.equal(await dispatcher.dispatch(request({ channel: 'Ch', action: 'temp' })), 2);
    stop(); // the replaced handler's function no longer removes anything
    assert.equal(await dispatcher.dispatch(request({ channel: 'Ch', action: 'temp' })), 2);
    stop2();
    await backendNc.flush();
    assert.equal((await rejection(dispatcher.dispatch(request({ channel: 'Ch', action: 'temp' })))).message, 'no backend handles Ch.temp');
  });

  test('a malformed request published by hand gets an error reply; the server keeps serving', async () => {
    errors.length = 0;
    backend.handle('Ch', 'ok', () => 'fine');
    await backend.ready();
    const subject = actionSubject('Ch', 'ok');
    const valid = JSON.parse(new TextDecoder().decode(encodeActionRequest(request({ channel: 'Ch', action: 'ok' }))));
    const malformed = [
      'not json',
      '[]',
      JSON.stringify({ identity: { userId: 'u' }, channel: 'Ch', action: 'ok', connectionId: 'c' }),
      JSON.stringify({ ...valid, params: { n: 1 } }),
      JSON.stringify({ ...valid, action: 'crash' }), // the body names another handler than the subject
    ];
    for (const bad of malformed) {
      const reply = decodeActionReply((await edgeNc.request(subject, bad, { timeout: 1000 })).data);
      assert.ok('error' in reply, bad);
      assert.equal(reply.error.code, 'invalid_data');
      assert.match(reply.error.message, /malformed action request/);
    }
    assert.equal(errors.length, malformed.length);
    assert.equal(await dispatcher.dispatch(request({ channel: 'Ch', action: 'ok' })), 'fine');
  });

  test('close() answers the requests already received, then no_handler', async () => {
    const nc = await fixture.connect();
    const closing = new BackendServer(nc);
    closing.handle('Closing', 'work', () => new Promise((r) => setTimeout(() => r('done'), 200)));
    await closing.ready();
    const pending = dispatcher.dispatch(request({ channel: 'Closing', action: 'work' }));
    await new Promise((r) => setTimeout(r, 50));
    await closing.close();
    assert.equal(await pending, 'done');
    assert.equal((await rejection(dispatcher.dispatch(request({ channel: 'Closing', action: 'work' })))) instanceof ActionError, true);
    assert.throws(() => closing.handle('Closing', 'again', () => 1), /closed/);
  });
});

describe('queue group', () => {
  test('two BackendServers: each request is answered exactly once, and both take a share', async () => {
    const edgeNc = await fixture.connect();
    const servers = [new BackendServer(await fixture.connect()), new BackendServer(await fixture.connect())];
    const calls = [0, 0];
    const seen = new Map<number, number>();
    servers.forEach((s, i) =>
      s.handle('Shared', 'work', (req) => {
        calls[i]!++;
        const n = (req.data as { n: number }).n;
        seen.set(n, (seen.get(n) ?? 0) + 1);
        return { n, by: i };
      }),
    );
    await Promise.all(servers.map((s) => s.ready()));
    const dispatcher = new NatsActionDispatcher(edgeNc, { timeoutMs: 2000 });
    const N = 60;
    const results = (await Promise.all(Array.from({ length: N }, (_, n) => dispatcher.dispatch(request({ channel: 'Shared', action: 'work', data: { n } }))))) as { n: number }[];
    assert.deepEqual(results.map((r) => r.n), Array.from({ length: N }, (_, n) => n));
    assert.equal(calls[0]! + calls[1]!, N, 'one handler call per request');
    assert.ok([...seen.values()].every((c) => c === 1));
    assert.ok(calls[0]! > 0 && calls[1]! > 0, `both servers answer (${calls.join('/')})`);
    await Promise.all(servers.map((s) => s.close()));
  });

  test("RPC: a method's subscription and another backend's '*' share the group, so each call runs once", async () => {
    const edgeNc = await fixture.connect();
    const specific = new BackendServer(await fixture.connect());
    const wildcard = new BackendServer(await fixture.connect());
    let calls = 0;
    specific.handleRpc('shared/method', () => (calls++, 'specific'));
    wildcard.handleRpc('*', () => (calls++, 'wildcard'));
    await Promise.all([specific.ready(), wildcard.ready()]);
    const rpc = new NatsRpcDispatcher(edgeNc, { timeoutMs: 2000 });
    const N = 40;
    const answers = await Promise.all(Array.from({ length: N }, () => rpc.call({ identity, method: 'shared/method', params: undefined, connectionId: 'c' })));
    await new Promise((r) => setTimeout(r, 100)); // a second delivery would have run by now
    assert.equal(calls, N);
    assert.ok(answers.every((a) => a === 'specific' || a === 'wildcard'));
    await Promise.all([specific.close(), wildcard.close()]);
  });
});

describe('rpc: NatsRpcDispatcher ↔ BackendServer', () => {
  let backend: BackendServer;
  let rpc: NatsRpcDispatcher;
  let edgeNc: NatsConnection;
  const call = (method: string, params?: unknown) => rpc.call({ identity, method, params, connectionId: 'conn-9' });
  before(async () => {
    edgeNc = await fixture.connect();
    backend = new BackendServer(await fixture.connect());
    rpc = new NatsRpcDispatcher(edgeNc, { timeoutMs: 1000 });
  });
  after(() => backend.close());

  test('unknown method without a wildcard: -32601', async () => {
    const e = await rejection(call('tools/list'));
    assert.ok(e instanceof RpcError);
    assert.equal(e.code, -32601);
    assert.match(e.message, /method not found/);
  });

  test('a specific method; a wildcard gets every other method with its name; params as sent', async () => {
    const got: unknown[] = [];
    backend.handleRpc('tools/list', (req) => {
      got.push(req);
      return { tools: ['search'] };
    });
    backend.handleRpc('*', (req) => ({ wildcard: req.method, params: req.params ?? null }));
    await backend.ready();
    assert.deepEqual(await call('tools/list', { cursor: 'x' }), { tools: ['search'] });
    assert.deepEqual(got, [{ identity, method: 'tools/list', params: { cursor: 'x' }, connectionId: 'conn-9' }]);
    assert.deepEqual(await call('resources/read', ['a', 1]), { wildcard: 'resources/read', params: ['a', 1] });
    assert.deepEqual(await call('ping'), { wildcard: 'ping', params: null });
    assert.deepEqual(await call('with.dots'), { wildcard: 'with.dots', params: null });
    // The specific handler answers its method, the wildcard stays out of it.
    for (let i = 0; i < 5; i++) assert.deepEqual(await call('tools/list'), { tools: ['search'] });
  });

  test('errors: code, message and data pass through; anything else is -32603 internal error', async () => {
    backend.handleRpc('quota', () => {
      throw new BackendError(-32050, 'quota exceeded', { retryAfter: 5 });
    });
    backend.handleRpc('crash', () => {
      throw new Error('secret stack detail');
    });
    backend.handleRpc('string-code', () => {
      throw new BackendError('invalid_data', 'a string code is for actions');
    });
    await backend.ready();
    const e = await rejection(call('quota'));
    assert.ok(e instanceof RpcError);
    assert.deepEqual([e.code, e.message, e.data], [-32050, 'quota exceeded', { retryAfter: 5 }]);
    for (const m of ['crash', 'string-code']) {
      const c = await rejection(call(m));
      assert.ok(c instanceof RpcError);
      assert.deepEqual([c.code, c.message, c.data], [-32603, 'internal error', undefined]);
    }
  });

  test('a slow method: -32000 backend timeout', async () => {
    backend.handleRpc('slow', () => new Promise((r) => setTimeout(r, 500)));
    await backend.ready();
    const e = await rejection(new NatsRpcDispatcher(edgeNc, { timeoutMs: 100 }).call({ identity, method: 'slow', params: undefined, connectionId: 'c' }));
    assert.ok(e instanceof RpcError);
    assert.equal(e.code, -32000);
    assert.match(e.message, /backend timeout.*100 ms/);
  });

  test('a malformed request gets -32600; the server keeps serving', async () => {
    backend.handleRpc('echo', (req) => req.params);
    await backend.ready();
    for (const bad of ['{', JSON.stringify({ identity, method: 'echo', params: 5, connectionId: 'c' }), JSON.stringify({ method: 'echo', connectionId: 'c' }), JSON.stringify({ identity, method: 'quota', connectionId: 'c' })]) {
      const reply = decodeRpcReply((await edgeNc.request(rpcSubject('echo'), bad, { timeout: 1000 })).data);
      assert.ok('error' in reply, bad);
      assert.equal(reply.error.code, -32600);
    }
    assert.deepEqual(await call('echo', { a: 1 }), { a: 1 });
  });
});
