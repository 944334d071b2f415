import {
  actionSubject,
  decodeActionReply,
  decodeRpcReply,
  encodeActionRequest,
  encodeRpcRequest,
  rpcSubject,
} from '@herald/bus';
import type { ErrorCode } from '@herald/protocol';
import { ActionError, RpcError, type ActionDispatcher, type ActionRequest, type RpcDispatcher, type RpcRequest } from '@herald/session';
import { RequestError, TimeoutError, type NatsConnection } from '@nats-io/transport-node';

export interface NatsBackendOptions {
  /** How long to wait for a backend's answer. */
  readonly timeoutMs: number;
}

/** Codes a backend may answer with that reach the client as they are (a Record, so a new ErrorCode must be listed); any other becomes `action_failed`. */
const ERROR_CODES: Readonly<Record<ErrorCode, true>> = {
  bad_json: true,
  bad_frame: true,
  unknown_type: true,
  not_subscribed: true,
  unknown_action: true,
  invalid_data: true,
  action_failed: true,
  no_handler: true,
  refresh_failed: true,
  rate_limited: true,
  invalid_params: true,
  internal: true,
};
const isErrorCode = (code: string): code is ErrorCode => Object.hasOwn(ERROR_CODES, code);

/** How one kind of backend request turns transport failures into the error its callers understand. */
interface FailureErrors {
  noResponders(): Error;
  timeout(): Error;
  unsent(reason: string): Error;
  malformed(): Error;
}

/**
 * Request/reply to whichever backend of the queue group gets it, and the decoded reply. nats.js
 * reports "no responders" as a RequestError and an unanswered request as a TimeoutError.
 */
async function requestBackend<R>(nc: NatsConnection, subject: string, body: Uint8Array, timeoutMs: number, decode: (data: Uint8Array) => R, errors: FailureErrors): Promise<R> {
  let data: Uint8Array;
  try {
    data = (await nc.request(subject, body, { timeout: timeoutMs })).data;
  } catch (err) {
    if (err instanceof TimeoutError) throw errors.timeout();
    if (err instanceof RequestError && err.isNoResponders()) throw errors.noResponders();
    throw errors.unsent(err instanceof Error ? err.message : String(err));
  }
  try {
    return decode(data);
  } catch {
    throw errors.malformed();
  }
}

/** A NATS connection and how long to wait for a backend's answer. */
abstract class BackendClient {
  protected readonly timeoutMs: number;
  constructor(
    protected readonly nc: NatsConnection,
    options: NatsBackendOptions,
  ) {
    this.timeoutMs = options.timeoutMs;
  }
}

/**
 * Cluster mode: `request`-mode actions go to `herald.action.<channel>.<action>`,
 * answered by whichever backend in the `herald-actions` queue group gets it.
 */
export class NatsActionDispatcher extends BackendClient implements ActionDispatcher {

  async dispatch(request: ActionRequest): Promise<unknown> {
    const name = `${request.channel}.${request.action}`;
    const reply = await requestBackend(this.nc, actionSubject(request.channel, request.action), encodeActionRequest(request), this.timeoutMs, decodeActionReply, {
      noResponders: () => new ActionError('no_handler', `no backend handles ${name}`),
      timeout: () => new ActionError('action_failed', `no answer within ${this.timeoutMs} ms`),
      unsent: (reason) => new ActionError('action_failed', `${name} could not be sent to its backend: ${reason}`),
      malformed: () => new ActionError('action_failed', `the backend of ${name} sent a malformed reply`),
    });
    if ('result' in reply) return reply.result;
    const { code, message } = reply.error;
    throw new ActionError(isErrorCode(code) ? code : 'action_failed', message);
  }
}

/**
 * Cluster mode: JSON-RPC methods go to `herald.rpc.<method>`, answered by a
 * backend in the `herald-rpc` queue group (per method, or one serving `herald.rpc.>`).
 */
export class NatsRpcDispatcher extends BackendClient implements RpcDispatcher {

  async call(request: RpcRequest): Promise<unknown> {
    const { method } = request;
    const reply = await requestBackend(this.nc, rpcSubject(method), encodeRpcRequest(request), this.timeoutMs, decodeRpcReply, {
      noResponders: () => new RpcError(-32601, `method not found: ${method}`),
      timeout: () => new RpcError(-32000, `backend timeout: no answer to ${method} within ${this.timeoutMs} ms`),
      unsent: (reason) => new RpcError(-32603, `internal error: ${method} could not be sent to its backend: ${reason}`),
      malformed: () => new RpcError(-32603, `internal error: the backend of ${method} sent a malformed reply`),
    });
    if ('result' in reply) return reply.result;
    const { code, message, data } = reply.error;
    throw new RpcError(code, message, data);
  }
}
