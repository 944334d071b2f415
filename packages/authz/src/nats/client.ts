import type { NatsConnection } from '@nats-io/transport-node';
import type { Authorizer, AuthzRequest, Decision } from '../authorizer.js';
import { AUTHZ_SUBJECTS } from './subjects.js';
import { decodeCheckReply, encodeCheckRequest } from './wire.js';

export interface NatsAuthorizerOptions {
  /** How long to wait for the authz service; default 2000 ms. */
  readonly timeoutMs?: number;
  readonly subject?: string;
}

/** The authz service could not answer; the edge turns this into a retryable rejection. */
export class AuthzUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AuthzUnavailableError';
  }
}

/**
 * The edge's Authorizer in cluster mode: asks the authz service over NATS.
 * Every failure (error reply, timeout, no responders, bad reply) throws;
 * failing closed is the point, this never turns a failure into an allow.
 */
export class NatsAuthorizer implements Authorizer {
  readonly #timeoutMs: number;
  readonly #subject: string;

  constructor(
    private readonly nc: NatsConnection,
    options: NatsAuthorizerOptions = {},
  ) {
    this.#timeoutMs = options.timeoutMs ?? 2000;
    this.#subject = options.subject ?? AUTHZ_SUBJECTS.check;
  }

  async check(request: AuthzRequest): Promise<Decision> {
    let data: Uint8Array;
    try {
      data = (await this.nc.request(this.#subject, encodeCheckRequest(request), { timeout: this.#timeoutMs })).data;
    } catch (err) {
      throw new AuthzUnavailableError(`authz service unavailable: ${describe(err)}`, { cause: err });
    }
    let reply;
    try {
      reply = decodeCheckReply(data);
    } catch (err) {
      throw new AuthzUnavailableError(`authz service sent a bad reply: ${describe(err)}`, { cause: err });
    }
    if ('error' in reply) throw new AuthzUnavailableError(`authz service failed: ${reply.error}`);
    return reply;
  }
}

/** nats.js wraps "no responders" in a RequestError; name the cause, it is the useful part. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.cause instanceof Error && err.cause.message !== err.message ? `${err.message} (${err.cause.message})` : err.message;
}
