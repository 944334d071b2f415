import {
  ACTION_QUEUE,
  actionSubject,
  decodeActionRequest,
  decodeRpcRequest,
  encodeActionReply,
  encodeRpcReply,
  RPC_QUEUE,
  RPC_SUBJECT_ALL,
  rpcSubject,
  type ActionReply,
  type BackendActionRequest,
  type BackendRpcRequest,
  type RpcReply,
} from '@herald/bus';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';

export type { BackendActionRequest, BackendIdentity, BackendRpcRequest } from '@herald/bus';

/** Answers one client action; the resolved value is the client's `reply.result`. */
export type BackendActionHandler = (request: BackendActionRequest) => Promise<unknown> | unknown;
/** Answers one JSON-RPC call; the resolved value is the JSON-RPC `result`. */
export type BackendRpcHandler = (request: BackendRpcRequest) => Promise<unknown> | unknown;

/**
 * Throw from a handler to answer with an error the client sees: a string code
 * for actions (`invalid_data`, `not_found`… codes Herald does not know reach
 * the client as `action_failed` with this message), a number for JSON-RPC.
 * Any object with such a `code` and a `message` works the same way.
 */
export class BackendError extends Error {
  constructor(
    readonly code: string | number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'BackendError';
  }
}

export interface BackendServerOptions {
  /** Handler failures (the real error, which the client never sees), malformed requests, failed replies. */
  readonly onError?: (message: string, fields: Record<string, unknown>) => void;
}

interface Route<H> {
  readonly sub: Subscription;
  handler: H;
}

/**
 * The backend side of client actions and JSON-RPC methods in cluster mode:
 * queue-group subscriptions on `herald.action.<channel>.<action>` and
 * `herald.rpc.<method>`, so any number of instances share the load and each
 * request is answered once. The connection stays the caller's.
 *
 * ```ts
 * const backend = new BackendServer(producer.connection, { onError: (msg, f) => log.warn(msg, f) });
 * backend.handle('AiConversationChannel', 'send_message', async ({ identity, params, data }) => {
 *   return { status: 'queued' };
 * });
 * await backend.ready();
 * ```
 */
export class BackendServer {
  readonly #actions = new Map<string, Route<BackendActionHandler>>();
  readonly #rpc = new Map<string, Route<BackendRpcHandler>>();
  readonly #inflight = new Set<Promise<void>>();
  readonly #onError: (message: string, fields: Record<string, unknown>) => void;
  #closing: Promise<void> | undefined;

  constructor(
    private readonly nc: NatsConnection,
    options: BackendServerOptions = {},
  ) {
    const onError = options.onError ?? (() => {});
    // A throwing reporter must not turn into an unhandled rejection.
    this.#onError = (message, fields) => {
      try {
        onError(message, fields);
      } catch {
        /* best effort */
      }
    };
  }

  /** Answer `channel`.`action` (replacing an earlier handler for it); returns a function that stops answering it. */
  handle(channel: string, action: string, handler: BackendActionHandler): () => void {
    return this.#register(this.#actions, `${channel}\u0000${action}`, handler, actionSubject(channel, action), ACTION_QUEUE, (msg) => this.#answerAction(msg));
  }

  /**
   * Answer JSON-RPC `method`; `'*'` answers every method this server has no handler of its own for.
   * Specific and `'*'` subscriptions share one queue group, so each request reaches exactly one of
   * them, in any backend: register `'*'` only in backends that can answer every method.
   */
  handleRpc(method: string, handler: BackendRpcHandler): () => void {
    const subject = method === '*' ? RPC_SUBJECT_ALL : rpcSubject(method);
    return this.#register(this.#rpc, method, handler, subject, RPC_QUEUE, (msg) => this.#answerRpc(msg));
  }

  /** Resolves once the NATS server knows every subscription made so far: a request sent after it finds this server. */
  async ready(): Promise<void> {
    await this.nc.flush();
  }

  /** Leaves the queue groups and waits for the requests already received to be answered. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const subs = [...this.#actions.values(), ...this.#rpc.values()].map((r) => r.sub);
      this.#actions.clear();
      this.#rpc.clear();
      await Promise.all(subs.map((s) => s.drain().catch(() => undefined)));
      while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
    })();
    return this.#closing;
  }

  #register<H>(routes: Map<string, Route<H>>, key: string, handler: H, subject: string, queue: string, answer: (msg: Msg) => Promise<void>): () => void {
    if (this.#closing) throw new Error('BackendServer is closed');
    const existing = routes.get(key);
    if (existing) existing.handler = handler;
    const route: Route<H> = existing ?? {
      handler,
      sub: this.nc.subscribe(subject, {
        queue,
        callback: (err, msg) => {
          if (err) return this.#onError('backend subscription failed', { subject, error: err });
          this.#track(answer(msg));
        },
      }),
    };
    routes.set(key, route);
    return () => {
      if (routes.get(key) !== route || route.handler !== handler) return;
      routes.delete(key);
      route.sub.unsubscribe();
    };
  }

  async #answerAction(msg: Msg): Promise<void> {
    if (!msg.reply) return this.#onError('action request without a reply subject ignored', { subject: msg.subject });
    let request: BackendActionRequest;
    try {
      request = decodeActionRequest(msg.data);
      if (actionSubject(request.channel, request.action) !== msg.subject) throw new Error(`channel and action do not match the subject ${msg.subject}`);
    } catch (err) {
      this.#onError('malformed action request', { subject: msg.subject, error: err });
      return this.#respond(msg, encodeActionReply({ error: { code: 'invalid_data', message: `malformed action request: ${messageOf(err)}` } }));
    }
    const route = this.#actions.get(`${request.channel}\u0000${request.action}`);
    let reply: ActionReply;
    if (!route) {
      // The handler was removed while the request was on its way.
      reply = { error: { code: 'no_handler', message: `no backend handles ${request.channel}.${request.action}` } };
    } else {
      try {
        reply = { result: await route.handler(request) };
      } catch (err) {
        reply = { error: errorBody(err, 'string') ?? this.#internal(err, { channel: request.channel, action: request.action }, 'action_failed', 'the action failed') };
      }
    }
    this.#respond(msg, this.#encode(encodeActionReply, reply, { code: 'action_failed', message: 'the action failed' }));
  }

  async #answerRpc(msg: Msg): Promise<void> {
    if (!msg.reply) return this.#onError('rpc request without a reply subject ignored', { subject: msg.subject });
    let request: BackendRpcRequest;
    try {
      request = decodeRpcRequest(msg.data);
      if (rpcSubject(request.method) !== msg.subject) throw new Error(`method does not match the subject ${msg.subject}`);
    } catch (err) {
      this.#onError('malformed rpc request', { subject: msg.subject, error: err });
      return this.#respond(msg, encodeRpcReply({ error: { code: -32600, message: `invalid request: ${messageOf(err)}` } }));
    }
    // Whichever of this server's subscriptions got the request, the method's own handler answers it.
    const route = this.#rpc.get(request.method) ?? this.#rpc.get('*');
    let reply: RpcReply;
    if (!route) {
      reply = { error: { code: -32601, message: `method not found: ${request.method}` } };
    } else {
      try {
        reply = { result: await route.handler(request) };
      } catch (err) {
        reply = { error: errorBody(err, 'number') ?? this.#internal(err, { method: request.method }, -32603, 'internal error') };
      }
    }
    this.#respond(msg, this.#encode(encodeRpcReply, reply, { code: -32603, message: 'internal error' }));
  }

  /** An error without a usable code: the client gets a generic message, the logger the real error. */
  #internal<C extends string | number>(err: unknown, fields: Record<string, unknown>, code: C, message: string): { code: C; message: string } {
    this.#onError('backend handler failed', { ...fields, error: err });
    return { code, message };
  }

  /** A result that JSON cannot carry (a BigInt, a cycle) is a handler failure too. */
  #encode<R extends ActionReply | RpcReply>(encode: (r: R) => Uint8Array, reply: R, fallback: { code: string | number; message: string }): Uint8Array {
    try {
      return encode(reply);
    } catch (err) {
      this.#onError('backend reply could not be encoded', { error: err });
      return encode({ error: fallback } as R);
    }
  }

  /** A reply can fail when the connection closes mid-request; the edge then times out. */
  #respond(msg: Msg, data: Uint8Array): void {
    try {
      msg.respond(data);
    } catch (err) {
      this.#onError('backend reply failed', { subject: msg.subject, error: err });
    }
  }

  #track(p: Promise<void>): void {
    const tracked = p.catch((err: unknown) => this.#onError('backend request failed', { error: err }));
    this.#inflight.add(tracked);
    void tracked.finally(() => this.#inflight.delete(tracked));
  }
}

/**
 * `{code, message, data?}` of a thrown error that carries a code of the expected type, else undefined.
 * Node's own errors (`ECONNREFUSED` with errno/syscall, `ERR_…`) carry codes too: they are internal, their messages stay here.
 */
function errorBody<T extends 'string' | 'number'>(err: unknown, codeType: T): { code: T extends 'string' ? string : number; message: string; data?: unknown } | undefined {
  if (typeof err !== 'object' || err === null || 'errno' in err || 'syscall' in err) return undefined;
  if (typeof (err as { code?: unknown }).code === 'string' && (err as { code: string }).code.startsWith('ERR_')) return undefined;
  const { code, message, data } = err as { code?: unknown; message?: unknown; data?: unknown };
  if (typeof code !== codeType || (typeof code === 'number' && !Number.isInteger(code)) || code === '') return undefined;
  return {
    code: code as T extends 'string' ? string : number,
    message: typeof message === 'string' && message !== '' ? message : String(code),
    ...(data !== undefined ? { data } : {}),
  };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
