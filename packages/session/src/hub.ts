import { randomUUID } from 'node:crypto';
import { ORIGIN_HEADER, type Bus, type Delivery, type LiveSubscription, type ReadResult, type StreamPosition } from '@herald/bus';
import type { Fanout, HubMember, StreamEncoder } from './ports.js';

export interface HubMetrics {
  /** A delivery fanned out: `sockets` receivers, `latencyMs` since the bus accepted it. */
  delivered(sockets: number, latencyMs: number): void;
  /** One frame encoded for a lane of the named dialect (once per message per lane, never per socket). */
  encoded?(dialect: string): void;
  streamsChanged(active: number): void;
  gap(repaired: boolean): void;
}

export interface HubOptions {
  readonly bus: Bus;
  readonly fanout: Fanout;
  readonly encoders: readonly StreamEncoder[];
  readonly metrics?: HubMetrics;
  /** Keep an unused bus subscription this long, so quick resubscribes do not churn it. */
  readonly lingerMs?: number;
  /** Events per history read while replaying. */
  readonly pageSize?: number;
  readonly onError?: (message: string, fields: Record<string, unknown>) => void;
}

interface SharedRead {
  readonly read: Promise<ReadResult>;
  readonly headAtStart: number;
}

interface Encoded {
  readonly epoch: string | undefined;
  readonly encode: (d: Delivery) => string;
}

/**
 * The sockets of one stream that get identical frames: one dialect, and for
 * ActionCable one subscription identifier (`tag`). Encoded once per message.
 */
class Lane {
  refs = 0;
  encoded: Encoded | undefined;
  constructor(
    readonly dialect: number,
    readonly tag: string,
    /** The uWS topic: computed once, used on every delivery. */
    readonly topic: string,
  ) {}
}

const laneKey = (dialect: number, tag: string): string => (tag === '' ? String(dialect) : `${dialect}\u0000${tag}`);

/** One stream this process listens to, shared by every local socket reading it. */
class HubStream {
  refs = 0;
  /** Lanes with sockets (only those are encoded); emptied lanes are removed. */
  readonly lanes = new Map<string, Lane>();
  /** Newest offset fanned out: a joining socket gets everything after it live. */
  head = 0;
  epoch: string;
  ready: Promise<void> | undefined;
  sub: LiveSubscription | undefined;
  linger: NodeJS.Timeout | undefined;
  /** Deliveries held while a gap is repaired from history. */
  held: Delivery[] | undefined;

  constructor(
    readonly name: string,
    epoch: string,
  ) {
    this.epoch = epoch;
  }
}

/** Result of the first phase of joining a stream (before `subscribed` is sent). */
export interface PreparedJoin {
  readonly stream: string;
  readonly epoch: string;
  /** Position the client is at once `commit` has sent what it must. */
  readonly offset: number;
  /** Undefined when no resume was asked for. */
  readonly recovered: boolean | undefined;
  /** Sends replayed events, then makes the socket live; resolves when live. */
  commit(): Promise<void>;
  /** Give the reference back without going live (the subscribe was abandoned). */
  abandon(): void;
}

/**
 * Reference-counted bus subscriptions, one per stream per process, fanned out
 * to sockets through uWS topics: each delivery is encoded once per dialect
 * and published once, whatever the number of sockets.
 *
 * Joining with a resume position replays stored events up to the hub's head
 * and subscribes the socket to the topic in the same tick, so the socket sees
 * every event exactly once.
 */
export class StreamHub {
  readonly #streams = new Map<string, HubStream>();
  readonly #reads = new Map<string, SharedRead>();
  readonly #bus: Bus;
  readonly #fanout: Fanout;
  readonly #encoders: readonly StreamEncoder[];
  readonly #metrics: HubMetrics | undefined;
  readonly #lingerMs: number;
  readonly #pageSize: number;
  readonly #onError: (message: string, fields: Record<string, unknown>) => void;
  /** Names this process on ephemeral events it relays to the other edges, so it skips them when they come back. */
  readonly #origin = randomUUID();

  constructor(options: HubOptions) {
    this.#bus = options.bus;
    this.#fanout = options.fanout;
    this.#encoders = options.encoders;
    this.#metrics = options.metrics;
    this.#lingerMs = options.lingerMs ?? 5000;
    this.#pageSize = options.pageSize ?? 500;
    this.#onError = options.onError ?? (() => {});
  }

  /** Epoch and newest fanned-out offset of a stream this process reads. */
  position(stream: string): { epoch: string; head: number } {
    const entry = this.#streams.get(stream);
    return entry ? { epoch: entry.epoch, head: entry.head } : { epoch: this.#bus.epoch(), head: 0 };
  }

  get activeStreams(): number {
    return this.#streams.size;
  }

  /**
   * Phase one of a join: take a reference, make sure the bus subscription is
   * live, and read the first page of history when resuming (`since`) or when a
   * snapshot (the latest event) is wanted.
   */
  async prepare(stream: string, member: HubMember, want: { since?: StreamPosition; snapshot?: boolean; history: boolean; tag?: string }): Promise<PreparedJoin> {
    const [entry, lane] = this.#acquire(stream, member.dialect, want.tag ?? '');
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.#release(entry, lane);
    };
    try {
      await entry.ready;
      let position: StreamPosition | undefined;
      let recovered: boolean | undefined;
      let firstPage: readonly Delivery[] = [];
      // The hub's head when the first page was read: a page read earlier may miss events fanned out since.
      let pageHead = entry.head;
      if (want.since) {
        position = want.since;
      } else if (want.snapshot && want.history && entry.head > 0) {
        // The snapshot is the newest stored event; the client stands just before it.
        const last = await this.#bus.last(stream);
        if (last && last.epoch === entry.epoch) {
          position = { epoch: last.epoch, offset: last.offset - 1 };
          firstPage = [last];
        }
      }
      if (want.since && want.history) {
        const shared = this.#readShared(entry, want.since);
        const read = await shared.read;
        pageHead = shared.headAtStart;
        recovered = read.recovered;
        if (read.recovered) firstPage = read.events;
        else position = undefined;
      } else if (want.since) {
        recovered = false; // no history to resume from
        position = undefined;
      }
      const startOffset = position?.offset ?? entry.head;
      return {
        stream,
        epoch: entry.epoch,
        offset: startOffset,
        recovered,
        commit: async () => {
          if (released) return;
          if (member.isClosed) return release();
          await this.#catchUp(entry, lane, member, position, firstPage, pageHead);
          if (member.isClosed) release();
        },
        abandon: release,
      };
    } catch (err) {
      release();
      throw err;
    }
  }

  /** The member stops reading the stream (in lane `tag`). `unsubscribeTopic` undefined when the socket is already closed (do not touch it). */
  leave(stream: string, member: HubMember, unsubscribeTopic: ((topic: string) => void) | undefined, tag = ''): void {
    const entry = this.#streams.get(stream);
    const lane = entry?.lanes.get(laneKey(member.dialect, tag));
    if (!entry || !lane) return;
    unsubscribeTopic?.(lane.topic);
    this.#release(entry, lane);
  }

  /**
   * An ephemeral event (e.g. typing indicator) to every socket on the stream except the sender:
   * not stored, no offset. The sender's own lane goes through its socket's publish, which uWS
   * delivers to everyone but that socket. With a bus shared by several edges (NATS) the event is
   * also relayed to the others, marked with this process's origin. Returns the local receivers.
   */
  publishEphemeral(stream: string, delivery: Delivery, sender: { dialect: number; tag: string; publishExceptSelf(topic: string, frame: string): void }): number {
    const entry = this.#streams.get(stream);
    if (!entry) return 0;
    let sockets = 0;
    if (this.#bus.kind === 'nats') {
      this.#bus.publish({ stream, data: delivery.data, history: false, headers: { [ORIGIN_HEADER]: this.#origin } }).catch((err: unknown) => {
        this.#onError('ephemeral relay failed', { stream, error: String(err) });
      });
    }
    const own = laneKey(sender.dialect, sender.tag);
    for (const [key, lane] of entry.lanes) {
      const frame = this.#encode(entry, lane, delivery);
      if (key === own) {
        sender.publishExceptSelf(lane.topic, frame);
        sockets += lane.refs - 1;
      } else {
        this.#fanout.publish(lane.topic, frame);
        sockets += lane.refs;
      }
    }
    return sockets;
  }

  /**
   * A page of history for a resume. Clients that resume together (a pod died
   * and its sockets moved here) mostly ask for the same position: one read
   * serves them all. `headAtStart` is the hub's head when the read began: the
   * page cannot be trusted to reach past it.
   */
  #readShared(entry: HubStream, since: StreamPosition): SharedRead {
    const key = `${since.epoch}|${since.offset}|${entry.name}`;
    let shared = this.#reads.get(key);
    if (!shared) {
      const read = this.#bus.read(entry.name, since, this.#pageSize);
      shared = { read, headAtStart: entry.head };
      this.#reads.set(key, shared);
      const done = (): void => void this.#reads.delete(key);
      read.then(done, done);
    }
    return shared;
  }

  /**
   * Replay from `position` until caught up with the hub's head, then go live in the same tick.
   * Live events the hub fanned out while this socket was not yet on the topic are past the page
   * read before them, so the loop reads again until the page reaches the head.
   */
  async #catchUp(entry: HubStream, lane: Lane, member: HubMember, position: StreamPosition | undefined, page: readonly Delivery[], pageHead: number): Promise<void> {
    let offset = position?.offset ?? entry.head;
    for (;;) {
      for (const d of page) {
        if (d.offset <= offset || d.offset > entry.head) continue; // newer ones arrive live
        member.sendFrame(this.#encode(entry, lane, d));
        offset = d.offset;
      }
      if (offset >= entry.head) break;
      if (page.length === 0 && pageHead >= entry.head) {
        // A read that began after the head was known found nothing: the store lost what the hub saw.
        this.#onError('history shorter than the stream head while replaying', { stream: entry.name, offset, head: entry.head });
        break;
      }
      const shared = this.#readShared(entry, { epoch: entry.epoch, offset });
      const read = await shared.read;
      if (member.isClosed) return;
      if (!read.recovered) {
        this.#onError('history ended while replaying', { stream: entry.name, offset });
        break;
      }
      page = read.events;
      pageHead = shared.headAtStart;
    }
    member.subscribeTopic(lane.topic);
  }

  #acquire(stream: string, dialect: number, tag: string): [HubStream, Lane] {
    let entry = this.#streams.get(stream);
    if (!entry) {
      entry = new HubStream(stream, this.#bus.epoch());
      this.#streams.set(stream, entry);
      const e = entry;
      e.ready = this.#bus.subscribe(stream, (d) => this.#onDelivery(e, d)).then(
        (sub) => {
          e.sub = sub;
          e.head = Math.max(e.head, sub.head);
          if (this.#streams.get(stream) !== e) sub.unsubscribe(); // dropped while subscribing
        },
        (err: unknown) => {
          if (this.#streams.get(stream) === e) this.#streams.delete(stream);
          throw err;
        },
      );
      this.#metrics?.streamsChanged(this.#streams.size);
    }
    if (entry.linger) {
      clearTimeout(entry.linger);
      entry.linger = undefined;
    }
    const key = laneKey(dialect, tag);
    let lane = entry.lanes.get(key);
    if (!lane) {
      lane = new Lane(dialect, tag, this.#encoders[dialect]!.topic(stream, tag));
      entry.lanes.set(key, lane);
    }
    entry.refs++;
    lane.refs++;
    return [entry, lane];
  }

  #release(entry: HubStream, lane: Lane): void {
    entry.refs--;
    if (--lane.refs === 0 && entry.lanes.get(laneKey(lane.dialect, lane.tag)) === lane) entry.lanes.delete(laneKey(lane.dialect, lane.tag));
    if (entry.refs > 0) return;
    const drop = (): void => {
      if (entry.refs > 0 || this.#streams.get(entry.name) !== entry) return;
      this.#streams.delete(entry.name);
      entry.sub?.unsubscribe();
      this.#metrics?.streamsChanged(this.#streams.size);
    };
    if (this.#lingerMs <= 0) return drop();
    entry.linger = setTimeout(drop, this.#lingerMs);
    entry.linger.unref();
  }

  #onDelivery(entry: HubStream, d: Delivery): void {
    if (d.origin === this.#origin) return; // an ephemeral event this process relayed: fanned out here already
    if (entry.held) {
      entry.held.push(d);
      return;
    }
    if (d.offset > 0) {
      if (d.epoch !== entry.epoch) {
        // The history store was recreated: offsets restart, clients see the new epoch.
        entry.epoch = d.epoch;
        entry.head = 0;
      } else if (d.offset <= entry.head) {
        return; // already fanned out (redelivery, or covered by the subscription's head)
      } else if (entry.head > 0 && d.prevOffset > entry.head) {
        this.#repairGap(entry, d);
        return;
      }
      entry.head = d.offset;
    }
    this.#fan(entry, d);
  }

  #fan(entry: HubStream, d: Delivery): void {
    let sockets = 0;
    for (const lane of entry.lanes.values()) {
      sockets += lane.refs;
      this.#fanout.publish(lane.topic, this.#encode(entry, lane, d));
      this.#metrics?.encoded?.(this.#encoders[lane.dialect]!.name);
    }
    this.#metrics?.delivered(sockets, Date.now() - d.publishedAt);
  }

  /** The bus skipped events (e.g. a NATS reconnect): fetch them from history before anything newer. */
  #repairGap(entry: HubStream, first: Delivery): void {
    entry.held = [first];
    const from = { epoch: entry.epoch, offset: entry.head };
    void this.#bus.read(entry.name, from, 10_000).then(
      (read) => this.#endRepair(entry, read.recovered ? read.events : [], read.recovered),
      (err: unknown) => {
        this.#onError('gap repair failed', { stream: entry.name, error: String(err) });
        this.#endRepair(entry, [], false);
      },
    );
  }

  #endRepair(entry: HubStream, missing: readonly Delivery[], repaired: boolean): void {
    const held = entry.held ?? [];
    entry.held = undefined;
    this.#metrics?.gap(repaired);
    if (!repaired) this.#onError('gap could not be repaired from history', { stream: entry.name, head: entry.head });
    for (const d of missing) this.#onDelivery(entry, d);
    if (!repaired && held[0]) entry.head = held[0].prevOffset; // accept the jump rather than stall
    for (const d of held) this.#onDelivery(entry, d);
  }

  #encode(entry: HubStream, lane: Lane, d: Delivery): string {
    let enc = lane.encoded;
    if (!enc || enc.epoch !== d.epoch) {
      const encoder = this.#encoders[lane.dialect]!;
      enc = { epoch: d.epoch, encode: encoder.forStream(entry.name, d.epoch, lane.tag) };
      lane.encoded = enc;
    }
    return enc.encode(d);
  }
}
