import { randomBytes } from 'node:crypto';
import type { Bus, BusPublish, Delivery, HistoryLimits, LiveSubscription, PublishAck, ReadResult, StreamPosition } from './types.js';

export const DEFAULT_HISTORY: HistoryLimits = { maxPerStream: 1000, maxAgeMs: 24 * 3600_000, maxStreams: 100_000 };

type Listener = (delivery: Delivery) => void;

/** Stored events of one stream; `events[start..]` are live, the prefix is garbage awaiting compaction. */
class StreamLog {
  events: Delivery[] = [];
  start = 0;
  head = 0;
  /** Offset of the newest event dropped by a limit: positions before it cannot be continued. */
  evictedUpTo: number;

  constructor(evictedUpTo: number) {
    this.evictedUpTo = evictedUpTo;
  }

  get size(): number {
    return this.events.length - this.start;
  }

  append(d: Delivery, limits: HistoryLimits, now: number): void {
    this.events.push(d);
    this.head = d.offset;
    while (this.size > limits.maxPerStream) this.#dropFirst();
    this.prune(limits, now);
  }

  prune(limits: HistoryLimits, now: number): void {
    const cutoff = now - limits.maxAgeMs;
    while (this.size > 0 && (this.events[this.start] as Delivery).publishedAt < cutoff) this.#dropFirst();
    if (this.start > 64 && this.start * 2 > this.events.length) {
      this.events = this.events.slice(this.start);
      this.start = 0;
    }
  }

  /** Index of the first event with offset > `offset` (binary search; offsets are increasing). */
  indexAfter(offset: number): number {
    let lo = this.start;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.events[mid] as Delivery).offset <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #dropFirst(): void {
    this.evictedUpTo = (this.events[this.start] as Delivery).offset;
    this.start++;
  }
}

/**
 * Embedded-mode bus: synchronous in-process delivery, bounded per-stream
 * history, one offset sequence for all streams, a fresh epoch per process.
 */
export class MemoryBus implements Bus {
  readonly kind = 'memory';
  readonly #epoch: string;
  readonly #limits: HistoryLimits;
  readonly #logs = new Map<string, StreamLog>();
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #now: () => number;
  #seq = 0;
  /** Highest offset of any whole log dropped by `maxStreams`: a recreated log cannot vouch for positions before it. */
  #droppedUpTo = 0;
  #closed = false;
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: { limits?: Partial<HistoryLimits>; epoch?: string; now?: () => number } = {}) {
    this.#limits = { ...DEFAULT_HISTORY, ...options.limits };
    this.#epoch = options.epoch ?? randomBytes(8).toString('hex');
    this.#now = options.now ?? Date.now;
    this.#sweeper = setInterval(() => this.sweep(), Math.min(60_000, Math.max(1000, this.#limits.maxAgeMs / 10)));
    this.#sweeper.unref();
  }

  epoch(): string {
    return this.#epoch;
  }

  async publish(message: BusPublish): Promise<PublishAck> {
    if (this.#closed) throw new Error('bus is closed');
    const now = this.#now();
    let delivery: Delivery;
    if (message.history) {
      const log = this.#touchLog(message.stream);
      delivery = { stream: message.stream, offset: ++this.#seq, prevOffset: log.head, epoch: this.#epoch, data: message.data, publishedAt: now };
      log.append(delivery, this.#limits, now);
    } else {
      delivery = { stream: message.stream, offset: 0, prevOffset: 0, epoch: this.#epoch, data: message.data, publishedAt: now };
    }
    const listeners = this.#listeners.get(message.stream);
    if (listeners) for (const l of listeners) l(delivery);
    return { stream: message.stream, offset: delivery.offset, epoch: this.#epoch };
  }

  async subscribe(stream: string, onDelivery: Listener): Promise<LiveSubscription> {
    let set = this.#listeners.get(stream);
    if (!set) this.#listeners.set(stream, (set = new Set()));
    set.add(onDelivery);
    const listeners = this.#listeners;
    return {
      head: this.#logs.get(stream)?.head ?? 0,
      unsubscribe() {
        const s = listeners.get(stream);
        if (s?.delete(onDelivery) && s.size === 0) listeners.delete(stream);
      },
    };
  }

  async read(stream: string, after: StreamPosition, limit: number): Promise<ReadResult> {
    const log = this.#logs.get(stream);
    if (log) log.prune(this.#limits, this.#now());
    const head = log?.head ?? 0;
    const evictedUpTo = log?.evictedUpTo ?? this.#droppedUpTo;
    const continuable = after.epoch === this.#epoch && after.offset >= evictedUpTo && after.offset <= head && after.offset >= 0;
    if (!continuable || !log) return { epoch: this.#epoch, recovered: continuable, events: [], head };
    const from = log.indexAfter(after.offset);
    return { epoch: this.#epoch, recovered: true, events: log.events.slice(from, from + Math.max(0, limit)), head };
  }

  async last(stream: string): Promise<Delivery | undefined> {
    const log = this.#logs.get(stream);
    if (!log) return undefined;
    log.prune(this.#limits, this.#now());
    return log.size > 0 ? log.events[log.events.length - 1] : undefined;
  }

  /** Drop expired events and empty logs nobody listens to. Runs on a timer; public for tests. */
  sweep(): void {
    const now = this.#now();
    for (const [stream, log] of this.#logs) {
      log.prune(this.#limits, now);
      if (log.size === 0 && !this.#listeners.has(stream)) this.#dropLog(stream, log);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweeper);
    this.#listeners.clear();
  }

  /** The stream's log, created if needed, moved to most-recently-published. */
  #touchLog(stream: string): StreamLog {
    let log = this.#logs.get(stream);
    if (log) {
      // Keep the map in least-recently-published order for the maxStreams bound.
      this.#logs.delete(stream);
      this.#logs.set(stream, log);
      return log;
    }
    log = new StreamLog(this.#droppedUpTo);
    this.#logs.set(stream, log);
    if (this.#logs.size > this.#limits.maxStreams) this.#evictOldestLog();
    return log;
  }

  #evictOldestLog(): void {
    for (const [stream, log] of this.#logs) {
      if (this.#listeners.has(stream)) continue;
      this.#dropLog(stream, log);
      return;
    }
  }

  #dropLog(stream: string, log: StreamLog): void {
    this.#logs.delete(stream);
    // An empty log whose events all expired still bounds what a new log may vouch for.
    this.#droppedUpTo = Math.max(this.#droppedUpTo, log.head);
  }
}
