import { positionsOf, type Positions } from './positions.js';
import type { EventEnvelope, Logger, Status, SubscribeOptions, SubscriptionError } from './types.js';
import type { EventFrame, StreamInfo, SubscribedInfo, WireRef } from './wire.js';

type Handlers = Pick<SubscribeOptions, 'onMessage' | 'onError' | 'onStatus'>;

interface Entry {
  readonly key: string;
  readonly ref: WireRef;
  /** One wrapper per subscribe() call, so the same handlers subscribed twice count twice. */
  readonly subscribers: Set<{ readonly h: Handlers }>;
  streams: readonly StreamInfo[] | undefined;
}

/** What a tab tells a new leader: the keys it holds and where it stands in each of their streams. */
export interface Announcement {
  readonly key: string;
  readonly ref: WireRef;
  readonly positions: Positions;
}

/** Where a key goes when its first subscriber arrives and its last one leaves. */
export interface KeyUpstream {
  want(key: string, ref: WireRef): void;
  drop(key: string): void;
}

/**
 * This tab's (or this instance's) subscribers: refcounted per key, so the upstream hears `want`
 * once and `drop` once whatever the number of subscribers. It remembers the newest offset it
 * delivered per stream and drops anything at or before it, which makes delivery exactly once and
 * in order however many times a reconnect or a new leader tab replays the same events.
 */
export class Registry {
  readonly #entries = new Map<string, Entry>();
  readonly #positions: Positions = new Map();

  constructor(
    private readonly upstream: KeyUpstream,
    private readonly logger: Logger,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  add(key: string, ref: WireRef, handlers: Handlers): () => void {
    let entry = this.#entries.get(key);
    const first = !entry;
    if (!entry) {
      entry = { key, ref, subscribers: new Set(), streams: undefined };
      this.#entries.set(key, entry);
    }
    const subscriber = { h: handlers };
    entry.subscribers.add(subscriber);
    if (first) this.upstream.want(key, ref);
    const e = entry;
    return () => {
      if (this.#entries.get(key) !== e || !e.subscribers.delete(subscriber) || e.subscribers.size > 0) return;
      this.#remove(e);
      this.upstream.drop(key);
    };
  }

  event(keys: readonly string[], frame: EventFrame): void {
    const entries = keys.map((k) => this.#entries.get(k)).filter((e): e is Entry => e !== undefined);
    if (entries.length === 0) return;
    const { stream, epoch, offset } = frame;
    if (typeof epoch === 'string' && typeof offset === 'number') {
      const p = this.#positions.get(stream);
      if (p && p.epoch === epoch && offset <= p.offset) return; // delivered already: a replay, or a second copy across a leader change
      this.#positions.set(stream, { epoch, offset });
    }
    for (const e of entries) {
      const meta = { stream, offset, epoch, key: e.key };
      for (const s of [...e.subscribers]) this.#call(() => s.h.onMessage(frame.event as EventEnvelope, meta));
    }
  }

  /**
   * A `subscribed` answer. A stream lost continuity when it moved to another epoch, or when a
   * resume was not recovered and this tab stands before the server's position: every key of this
   * tab reading that stream is told to refetch. A position this tab already has is never raised
   * here (events of another key on the same stream may still be on their way).
   */
  subscribed(key: string, info: SubscribedInfo): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    entry.streams = info.streams;
    const lost = new Set<string>();
    for (const s of info.streams) {
      if (!s.history) continue;
      const p = this.#positions.get(s.stream);
      if (!p || p.epoch !== s.epoch) {
        if (p) lost.add(s.stream);
        this.#positions.set(s.stream, { epoch: s.epoch, offset: s.offset });
      } else if (info.recovered === false && p.offset < s.offset) {
        lost.add(s.stream);
      }
    }
    if (lost.size === 0) return;
    for (const e of this.#entries.values()) {
      if (e === entry && info.recovered === undefined) continue; // a fresh subscription had nothing to continue
      const streams = (e.streams ?? []).map((s) => s.stream).filter((s) => lost.has(s));
      if (streams.length) this.#error(e, { type: 'reset', streams, reason: 'not_recovered' });
    }
  }

  keyError(key: string, error: SubscriptionError): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    // Refused for good or withdrawn: the upstream has already forgotten it; subscribing again starts over.
    if (error.type === 'unsubscribed' || (error.type === 'rejected' && !error.retryable)) this.#remove(entry);
    this.#error(entry, error);
  }

  status(status: Status): void {
    for (const e of this.#entries.values()) for (const s of [...e.subscribers]) if (s.h.onStatus) this.#call(() => s.h.onStatus!(status));
  }

  announce(): Announcement[] {
    return [...this.#entries.values()].map((e) => ({ key: e.key, ref: e.ref, positions: positionsOf(e.streams, this.#positions) }));
  }

  clear(): void {
    this.#entries.clear();
    this.#positions.clear();
  }

  #error(entry: Entry, error: SubscriptionError): void {
    for (const s of [...entry.subscribers]) if (s.h.onError) this.#call(() => s.h.onError!(error));
  }

  #remove(entry: Entry): void {
    this.#entries.delete(entry.key);
    const still = new Set<string>();
    for (const e of this.#entries.values()) for (const s of e.streams ?? []) still.add(s.stream);
    for (const s of entry.streams ?? []) if (!still.has(s.stream)) this.#positions.delete(s.stream);
  }

  #call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger.warn?.('herald: a subscriber threw', { error: String(err) });
    }
  }
}
