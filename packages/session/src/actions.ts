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

/** In-process action handlers, registered per channel and action. */
export class LocalActions implements ActionDispatcher {
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
