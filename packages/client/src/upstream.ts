import { Engine, type EngineSink } from './engine.js';
import type { ConnectionConfig } from './connection.js';
import type { Announcement } from './subscriptions.js';
import type { Status, SubscriptionError } from './types.js';
import type { EventFrame, ReplyOutcome, SubscribedInfo, WireRef } from './wire.js';

export type EngineConfig = ConnectionConfig & { readonly requestTimeoutMs: number };

/** What a client instance asks of whoever owns the socket: its own engine, or the leader tab's. */
export interface Upstream {
  want(key: string, ref: WireRef): void;
  drop(key: string): void;
  perform(reqId: string, ref: WireRef, action: string, data: unknown): void;
  forgetPerform(reqId: string): void;
  connect(): void;
  stop(): void;
}

/** What comes back to a client instance. */
export interface Downstream {
  event(keys: readonly string[], frame: EventFrame): void;
  subscribed(key: string, info: SubscribedInfo): void;
  keyError(key: string, error: SubscriptionError): void;
  reply(reqId: string, outcome: ReplyOutcome): void;
  status(status: Status): void;
  /** The keys this instance holds and its positions, for a new leader. */
  announce(): Announcement[];
}

const SELF = 'self';

/** No cross-tab sharing (Node, old browsers, or turned off): this instance owns its socket. */
export class DirectUpstream implements Upstream {
  readonly #engine: Engine;

  constructor(config: EngineConfig, down: Downstream) {
    const sink: EngineSink = {
      event: (keys, frame) => down.event(keys, frame),
      subscribed: (key, info) => down.subscribed(key, info),
      keyError: (key, error) => down.keyError(key, error),
      reply: (_holder, reqId, outcome) => down.reply(reqId, outcome),
      status: (status) => down.status(status),
    };
    this.#engine = new Engine(config, sink);
  }

  want(key: string, ref: WireRef): void {
    this.#engine.want(SELF, key, ref);
  }
  drop(key: string): void {
    this.#engine.drop(SELF, key);
  }
  perform(reqId: string, ref: WireRef, action: string, data: unknown): void {
    this.#engine.perform(SELF, reqId, ref, action, data);
  }
  forgetPerform(reqId: string): void {
    this.#engine.forgetPerform(SELF, reqId);
  }
  connect(): void {
    this.#engine.connect();
  }
  stop(): void {
    this.#engine.stop();
  }
}
