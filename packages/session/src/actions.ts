import type { ActionSpec } from '@herald/channels';
import type { Identity } from '@herald/auth';
import type { ErrorCode } from '@herald/protocol';

/** A client action (`perform`) on a channel the client is subscribed to. */
export interface ActionRequest {
  readonly identity: Identity;
  readonly channel: string;
  readonly params: Readonly<Record<string, string>>;
  readonly action: string;
  readonly data: unknown;
  readonly connectionId: string;
}

/**
 * Where `request`-mode actions go: in-process handlers in embedded mode, the
 * owning backend over NATS request/reply in cluster mode. The resolved value
 * is the reply's result.
 */
export interface ActionDispatcher {
  dispatch(request: ActionRequest): Promise<unknown>;
}

export class ActionError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ActionError';
  }
}

export type ActionHandler = (request: ActionRequest) => Promise<unknown> | unknown;

/**
 * Where backends register action handlers: LocalActions in process, the
 * producer SDK's BackendServer over NATS. The same registration code works
 * for both. `handle` returns a function that removes the handler.
 */
export interface ActionRegistry {
  handle(channel: string, action: string, handler: ActionHandler): () => void;
}

/** In-process action handlers, registered per channel and action. */
export class LocalActions implements ActionDispatcher, ActionRegistry {
  readonly #handlers = new Map<string, ActionHandler>();

  handle(channel: string, action: string, handler: ActionHandler): () => void {
    const key = `${channel}.${action}`;
    this.#handlers.set(key, handler);
    return () => this.#handlers.delete(key);
  }

  async dispatch(request: ActionRequest): Promise<unknown> {
    const handler = this.#handlers.get(`${request.channel}.${request.action}`);
    if (!handler) throw new ActionError('no_handler', `no backend handles ${request.channel}.${request.action}`);
    return handler(request);
  }
}

/** A JSON-RPC call from a client; `params` is absent, an array or an object, as JSON-RPC allows. */
export interface RpcRequest {
  readonly identity: Identity;
  readonly method: string;
  readonly params: unknown;
  readonly connectionId: string;
}

/** Where JSON-RPC methods go: in-process handlers in embedded mode, backends over NATS in cluster mode. */
export interface RpcDispatcher {
  call(request: RpcRequest): Promise<unknown>;
}

/** A JSON-RPC error: `code` is the JSON-RPC error code (-32601 method not found, …). */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

export type RpcHandler = (request: RpcRequest) => Promise<unknown> | unknown;

/** In-process JSON-RPC methods; `'*'` answers every method without its own handler. */
export class LocalRpc implements RpcDispatcher {
  readonly #handlers = new Map<string, RpcHandler>();

  handle(method: string, handler: RpcHandler): () => void {
    this.#handlers.set(method, handler);
    return () => {
      if (this.#handlers.get(method) === handler) this.#handlers.delete(method);
    };
  }

  async call(request: RpcRequest): Promise<unknown> {
    const handler = this.#handlers.get(request.method) ?? this.#handlers.get('*');
    if (!handler) throw new RpcError(-32601, `method not found: ${request.method}`);
    return handler(request);
  }
}

/** Why `data` does not fit an action's declared fields, or undefined when it does. */
export function validateActionData(spec: ActionSpec, data: unknown): string | undefined {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return 'data must be an object';
  const d = data as Record<string, unknown>;
  for (const [field, f] of Object.entries(spec.data)) {
    const v = d[field];
    if (v === undefined) {
      if (f.required) return `data.${field} is required`;
      continue;
    }
    const ok =
      f.type === 'any' ||
      (f.type === 'array' ? Array.isArray(v) : f.type === 'object' ? v !== null && typeof v === 'object' && !Array.isArray(v) : typeof v === f.type);
    if (!ok) return `data.${field} must be ${f.type === 'array' || f.type === 'object' ? 'an' : 'a'} ${f.type}`;
  }
  return undefined;
}
