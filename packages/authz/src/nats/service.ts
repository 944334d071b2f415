import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Authorizer } from '../authorizer.js';
import { AUTHZ_QUEUE, AUTHZ_SUBJECTS } from './subjects.js';
import { decodeCheckRequest, encodeCheckReply } from './wire.js';

export interface AuthzServiceOptions {
  /** In cluster mode a LocalAuthorizer over a KvOwnershipStore. */
  readonly authorizer: Authorizer;
  readonly queue?: string;
  readonly subject?: string;
  readonly onError?: (message: string, fields: Record<string, unknown>) => void;
  /** Called once per answered request. */
  readonly onAnswered?: (outcome: 'decided' | 'error', seconds: number) => void;
}

/**
 * The authz service: answers `herald.authz.check` requests from a queue group,
 * so any number of instances share the load and any one can go away.
 * A plain subscription rather than @nats-io/services: the request is the
 * whole protocol and it keeps the dependency surface small.
 */
export class AuthzService {
  #handled = 0;
  #failed = 0;
  readonly #inflight = new Set<Promise<void>>();
  readonly #authorizer: Authorizer;
  readonly #onError: (message: string, fields: Record<string, unknown>) => void;
  readonly #onAnswered: (outcome: 'decided' | 'error', seconds: number) => void;
  #sub: Subscription | undefined;
  #stopping: Promise<void> | undefined;

  private constructor(options: AuthzServiceOptions) {
    this.#authorizer = options.authorizer;
    this.#onAnswered = options.onAnswered ?? (() => {});
    const onError = options.onError ?? (() => {});
    // A throwing error reporter must not turn into an unhandled rejection that takes the service down.
    this.#onError = (message, fields) => {
      try {
        onError(message, fields);
      } catch {
        /* reporting is best effort */
      }
    };
  }

  /** Resolves once the server knows the subscription, so a request sent right after finds a responder. */
  static async start(nc: NatsConnection, options: AuthzServiceOptions): Promise<AuthzService> {
    const service = new AuthzService(options);
    service.#sub = nc.subscribe(options.subject ?? AUTHZ_SUBJECTS.check, {
      queue: options.queue ?? AUTHZ_QUEUE,
      callback: (err, msg) => {
        if (err) return service.#onError('authz subscription failed', { error: String(err) });
        service.#track(service.#answer(msg));
      },
    });
    await nc.flush();
    return service;
  }

  /** Requests answered with a decision. */
  get handled(): number {
    return this.#handled;
  }

  /** Requests answered with `{error}` (malformed, or the authorizer threw). */
  get failed(): number {
    return this.#failed;
  }

  /** Leaves the queue group and waits for the requests already received to be answered. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      await this.#sub?.drain();
      while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
    })();
    return this.#stopping;
  }

  async #answer(msg: Msg): Promise<void> {
    if (!msg.reply) {
      this.#failed++;
      this.#onError('authz check without a reply subject ignored', { subject: msg.subject });
      return;
    }
    let channel: string | undefined;
    const started = performance.now();
    try {
      const request = decodeCheckRequest(msg.data);
      channel = request.channel;
      const decision = await this.#authorizer.check(request);
      this.#handled++;
      this.#respond(msg, encodeCheckReply(decision));
      this.#onAnswered('decided', (performance.now() - started) / 1000);
    } catch (err) {
      this.#failed++;
      const error = err instanceof Error ? err.message : String(err);
      this.#onError('authz check failed', { error, channel });
      this.#respond(msg, encodeCheckReply({ error }));
      this.#onAnswered('error', (performance.now() - started) / 1000);
    }
  }

  /** A reply can fail when the connection closes mid-request; the requester then times out (a retryable rejection at the edge). */
  #respond(msg: Msg, data: Uint8Array): void {
    try {
      msg.respond(data);
    } catch (err) {
      this.#onError('authz reply failed', { error: String(err) });
    }
  }

  /** #answer never rejects, so the finally chain cannot leave an unhandled rejection. */
  #track(p: Promise<void>): void {
    this.#inflight.add(p);
    void p.finally(() => this.#inflight.delete(p));
  }
}
