import { fullJitter } from './backoff.js';
import { Connection, type ConnectionConfig } from './connection.js';
import { Performs } from './performs.js';
import { advance, isBehind, lowerFloor, sinceFrom, snapshot, type Positions } from './positions.js';
import { subscriptionKey } from './stable-json.js';
import type { Status, SubscriptionError } from './types.js';
import { refOfFrame, streamsOf, type EventFrame, type ReplyOutcome, type ServerFrame, type StreamInfo, type SubscribedInfo, type WireRef } from './wire.js';

/** Where the engine's results go: the tab that owns it, and (cross-tab) the other tabs. */
export interface EngineSink {
  event(keys: readonly string[], frame: EventFrame): void;
  /** A `subscribed` answer for `key`; `to` = only that holder (a late joiner of a live key). */
  subscribed(key: string, info: SubscribedInfo, to?: string): void;
  keyError(key: string, error: SubscriptionError): void;
  reply(holder: string, reqId: string, outcome: ReplyOutcome): void;
  status(status: Status): void;
}

interface ServerKey {
  readonly key: string;
  readonly ref: WireRef;
  /** Tabs (or this instance) that want it: subscribed while non-empty. */
  readonly holders: Set<string>;
  state: 'idle' | 'sent' | 'live';
  requestId: string | undefined;
  streams: readonly StreamInfo[] | undefined;
  /** Positions some holder announced that are older than ours: resume from there (a new leader tab). */
  floor: Positions | undefined;
  retryTimer: ReturnType<typeof setTimeout> | undefined;
  retries: number;
}

/**
 * The socket owner: one connection, and the union of every holder's subscriptions on it. Each key
 * is subscribed once, whatever the number of holders; on every (re)connect each key is subscribed
 * again with `since` = the newest position seen per stream, so the server replays what was missed.
 * It does not dedupe: each holder does (a replay for one lagging tab is a duplicate for another).
 */
export class Engine {
  readonly #connection: Connection;
  readonly #keys = new Map<string, ServerKey>();
  /** stream → keys whose subscription includes it (events are routed by stream). */
  readonly #routes = new Map<string, Set<string>>();
  /** Newest position per stream this socket (and earlier ones) delivered. */
  readonly #positions: Positions = new Map();
  readonly #performs: Performs;
  #seq = 0;

  constructor(
    private readonly config: ConnectionConfig & { readonly requestTimeoutMs: number },
    private readonly sink: EngineSink,
  ) {
    this.#connection = new Connection(config, {
      opened: () => this.#opened(),
      frame: (f) => this.#frame(f),
      lost: () => this.#lost(),
      status: (s) => sink.status(s),
    });
    this.#performs = new Performs(config.requestTimeoutMs, (frame) => this.#connection.send(frame), sink);
  }

  get status(): Status {
    return this.#connection.status;
  }

  /** `holder` wants `key`. `positions`: where that holder stands (sent by tabs when a new leader takes over). */
  want(holder: string, key: string, ref: WireRef, positions?: Positions): void {
    let k = this.#keys.get(key);
    if (!k) {
      k = { key, ref, holders: new Set(), state: 'idle', requestId: undefined, streams: undefined, floor: undefined, retryTimer: undefined, retries: 0 };
      this.#keys.set(key, k);
    }
    k.holders.add(holder);
    if (positions?.size) k.floor = lowerFloor(k.floor, positions);
    if (k.state === 'live') {
      // Someone is behind the live subscription: subscribe again from their position (replays are deduped per tab).
      if (isBehind(k.floor, this.#positions)) this.#resubscribe(k);
      else this.sink.subscribed(key, { streams: snapshot(k.streams, this.#positions) }, holder);
    } else if (k.state === 'idle' && k.retryTimer === undefined) {
      if (this.#connection.isOpen) this.#subscribe(k);
      else this.#connection.ensure();
    }
  }

  drop(holder: string, key: string): void {
    const k = this.#keys.get(key);
    if (!k || !k.holders.delete(holder) || k.holders.size > 0) return;
    this.#forget(k);
    if (k.state !== 'idle') this.#connection.send({ type: 'unsubscribe', ...k.ref });
  }

  /** A tab went away (closed, crashed, or said goodbye): drop everything it held. */
  dropHolder(holder: string): void {
    for (const k of [...this.#keys.values()]) if (k.holders.has(holder)) this.drop(holder, k.key);
    this.#performs.dropHolder(holder);
  }

  perform(holder: string, reqId: string, ref: WireRef, action: string, data: unknown): void {
    const status = this.#connection.status;
    // Queued while connecting or reconnecting; a connection that will not come back by itself fails it now.
    if (status === 'stopped' || status === 'auth_error') return this.sink.reply(holder, reqId, { error: { code: 'disconnected', message: `not connected (${status})` } });
    this.#performs.add(holder, reqId, { type: 'perform', ...ref, action, data: data ?? {} }, this.#connection.isOpen);
    if (!this.#connection.isOpen) this.#connection.ensure();
  }

  forgetPerform(holder: string, reqId: string): void {
    this.#performs.forget(holder, reqId);
  }

  connect(): void {
    this.#connection.start();
  }

  wake(): void {
    this.#connection.wake();
  }

  /** The status the previous leader tab's connection ended in. */
  inherit(status: Status): void {
    this.#connection.inherit(status);
  }

  stop(): void {
    for (const k of this.#keys.values()) clearTimeout(k.retryTimer);
    this.#keys.clear();
    this.#routes.clear();
    this.#positions.clear();
    this.#performs.clear();
    this.#connection.stop();
  }

  #opened(): void {
    // Subscriptions first: the server handles commands in order, and perform needs them.
    for (const k of this.#keys.values()) if (k.retryTimer === undefined) this.#subscribe(k);
    this.#performs.flush();
  }

  #lost(): void {
    for (const k of this.#keys.values()) {
      k.state = 'idle';
      k.requestId = undefined;
    }
    this.#performs.lost();
  }

  #subscribe(k: ServerKey): void {
    const since = sinceFrom(k.streams, this.#positions, k.floor);
    k.floor = undefined;
    k.requestId = `sub-${++this.#seq}`;
    k.state = 'sent';
    this.#connection.send({ type: 'subscribe', ...k.ref, ...(since ? { since } : {}), id: k.requestId });
  }

  /** The server ignores `since` for a key it already has: leave and come back. */
  #resubscribe(k: ServerKey): void {
    if (!this.#connection.isOpen) return;
    this.#connection.send({ type: 'unsubscribe', ...k.ref });
    this.#subscribe(k);
  }

  #frame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'event':
        return this.#event(frame as unknown as EventFrame);
      case 'subscribed':
        return this.#subscribed(frame);
      case 'rejected':
        return this.#rejected(frame);
      case 'unsubscribed':
        return this.#unsubscribed(frame);
      case 'reply':
      case 'error':
        if (this.#performs.answer(frame)) return;
        if (frame.type === 'error') this.config.logger.warn?.('herald: server error', { code: frame['code'], message: frame['message'] });
    }
  }

  #event(frame: EventFrame): void {
    const keys = this.#routes.get(frame.stream);
    if (!keys?.size) return;
    if (typeof frame.epoch === 'string' && typeof frame.offset === 'number') advance(this.#positions, frame.stream, frame.epoch, frame.offset);
    this.sink.event([...keys], frame);
  }

  #subscribed(frame: ServerFrame): void {
    const k = this.#byRequest(frame.id);
    if (!k) return;
    const streams = streamsOf(frame);
    k.state = 'live';
    k.retries = 0;
    k.streams = streams;
    for (const s of streams) {
      let keys = this.#routes.get(s.stream);
      if (!keys) this.#routes.set(s.stream, (keys = new Set()));
      keys.add(k.key);
      if (s.history) advance(this.#positions, s.stream, s.epoch, s.offset);
    }
    // A holder announced an older position while this was in flight: this answer would skip its gap.
    if (isBehind(k.floor, this.#positions)) return this.#resubscribe(k);
    k.floor = undefined;
    const recovered = frame['recovered'];
    this.sink.subscribed(k.key, { streams, ...(typeof recovered === 'boolean' ? { recovered } : {}) });
  }

  #rejected(frame: ServerFrame): void {
    const k = this.#byRequest(frame.id);
    if (!k) return;
    const retryable = frame['retryable'] === true;
    const error: SubscriptionError = { type: 'rejected', reason: String(frame['reason'] ?? 'rejected'), message: String(frame['message'] ?? ''), retryable };
    k.state = 'idle';
    k.requestId = undefined;
    if (retryable) {
      const { baseMs, capMs } = this.config.backoff;
      k.retryTimer = setTimeout(() => {
        k.retryTimer = undefined;
        if (this.#keys.get(k.key) === k && this.#connection.isOpen) this.#subscribe(k);
      }, fullJitter(k.retries++, baseMs, capMs, this.config.random));
    } else {
      this.#forget(k);
    }
    this.sink.keyError(k.key, error);
  }

  #unsubscribed(frame: ServerFrame): void {
    // Answers to our own unsubscribes carry no reason; one with a reason is the server withdrawing access.
    if (typeof frame['reason'] !== 'string') return;
    const ref = refOfFrame(frame);
    const k = ref && this.#keys.get(subscriptionKey(ref));
    if (!k) return;
    this.#forget(k);
    this.sink.keyError(k.key, { type: 'unsubscribed', reason: frame['reason'] });
  }

  #byRequest(id: unknown): ServerKey | undefined {
    if (typeof id !== 'string') return undefined;
    for (const k of this.#keys.values()) if (k.requestId === id) return k;
    return undefined;
  }

  #forget(k: ServerKey): void {
    clearTimeout(k.retryTimer);
    this.#keys.delete(k.key);
    for (const s of k.streams ?? []) {
      const keys = this.#routes.get(s.stream);
      keys?.delete(k.key);
      if (keys?.size === 0) {
        this.#routes.delete(s.stream);
        this.#positions.delete(s.stream);
      }
    }
  }
}
