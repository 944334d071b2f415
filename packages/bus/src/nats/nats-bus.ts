import { headers as natsHeaders, nuid, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { streamSubject, SUBJECT_PREFIX } from '../subjects.js';
import { ORIGIN_HEADER, type Bus, type BusPublish, type Delivery, type LiveSubscription, type PublishAck, type ReadResult, type StreamPosition } from '../types.js';
import { DirectGets, type StoredEvent } from './direct-get.js';
import { DEFAULT_EVENTS_STREAM, ensureEventsStream, epochOf, type EventsStreamConfig } from './events-stream.js';
import { publishGaveUp, retryUntil, whenJetStreamReady } from './jetstream-ready.js';
import { nextTurnBatch } from './next-turn.js';
import { afterAsking, inFlight } from './shared-calls.js';

/** Header with the publish time (ms), for the fan-out latency metric; the republish keeps it. */
export const PUBLISHED_AT_HEADER = 'Herald-Published-At';

export interface NatsBusOptions {
  readonly stream?: Partial<EventsStreamConfig>;
  /** How long a stored publish keeps retrying (same message id, so at most one copy is stored) before failing. */
  readonly publishDeadlineMs?: number;
  /** How often the stream's identity is checked (a recreated stream is a new epoch). */
  readonly epochCheckMs?: number;
  readonly onError?: (message: string, fields: Record<string, unknown>) => void;
  /** Bring an existing stream's limits up to `stream` (edges: yes; producers: no, they only create it if missing). */
  readonly manageStream?: boolean;
}

type Listener = (delivery: Delivery) => void;

/** One live subject this process listens to. */
interface LiveSub {
  readonly stream: string;
  sub: Subscription;
  readonly listener: Listener;
  /** Newest offset passed on (to notice a stream that restarted its sequence). */
  lastOffset: number;
  /** Deliveries held until the head is known, or while a restarted stream's epoch is looked up. */
  held: Delivery[] | undefined;
}

/**
 * Cluster-mode bus on NATS. Stored events go to `herald.ev.<tokens>` and land
 * in the JetStream stream HERALD_EVENTS, which republishes each to
 * `herald.live.<tokens>` with its sequence (the offset) and the previous
 * sequence of the same subject (`Nats-Last-Sequence`, the prevOffset). Streams
 * without history are published to the live subject directly. History reads
 * use JetStream direct get, so they cost no consumer.
 */
export class NatsBus implements Bus {
  readonly kind = 'nats';
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  /** Heads and history reads (one direct get per new stream, one per event a resume replays). */
  readonly #gets: DirectGets;
  readonly #config: EventsStreamConfig;
  readonly #publishDeadlineMs: number;
  readonly #onError: (message: string, fields: Record<string, unknown>) => void;
  readonly #manageStream: boolean;
  readonly #subs = new Set<LiveSub>();
  /** SUBs and UNSUBs of one event-loop phase, written to NATS together. */
  readonly #nextTurn = nextTurnBatch();
  readonly #timer: NodeJS.Timeout;
  #epoch: string;
  #closed = false;
  /** A PONG proving every SUB written before the call is registered; subscribes in a burst share one. */
  readonly #subsRegistered = afterAsking(() => this.#nc.flush());
  /** The history stream's last sequence; subscribes in a burst share one stream info request. */
  readonly #streamLastSeq = inFlight(async () => (await this.#jsm.streams.info(this.#config.name)).state.last_seq);
  readonly #checkEpoch = inFlight(() =>
    ensureEventsStream(this.#jsm, this.#config, this.#manageStream)
      .then((info) => {
        const epoch = epochOf(info);
        if (epoch !== this.#epoch) {
          this.#onError('history stream changed identity: new epoch, clients will be told recovered: false', { stream: this.#config.name, from: this.#epoch, to: epoch });
          this.#epoch = epoch;
        }
      })
      .catch((err: unknown) => {
        if (!this.#closed) this.#onError('history stream check failed', { stream: this.#config.name, error: String(err) });
      }),
  );

  private constructor(nc: NatsConnection, jsm: JetStreamManager, config: EventsStreamConfig, epoch: string, options: NatsBusOptions) {
    this.#nc = nc;
    this.#jsm = jsm;
    this.#js = jetstream(nc);
    this.#gets = new DirectGets(nc, config.name);
    this.#config = config;
    this.#epoch = epoch;
    this.#publishDeadlineMs = options.publishDeadlineMs ?? 10_000;
    this.#onError = options.onError ?? (() => {});
    this.#manageStream = options.manageStream ?? true;
    this.#timer = setInterval(() => void this.checkEpoch(), options.epochCheckMs ?? 5000);
    this.#timer.unref();
    void this.#watchStatus();
  }

  /** Make sure the history stream exists with the configured limits, then start. */
  static async start(nc: NatsConnection, options: NatsBusOptions = {}): Promise<NatsBus> {
    const config = { ...DEFAULT_EVENTS_STREAM, ...options.stream };
    const jsm = await whenJetStreamReady('JetStream API', () => jetstreamManager(nc));
    const info = await whenJetStreamReady(`history stream ${config.name}`, () => ensureEventsStream(jsm, config, options.manageStream ?? true));
    return new NatsBus(nc, jsm, config, epochOf(info), options);
  }

  epoch(): string {
    return this.#epoch;
  }

  get streamName(): string {
    return this.#config.name;
  }

  async publish(message: BusPublish): Promise<PublishAck> {
    if (this.#closed) throw new Error('bus is closed');
    const h = natsHeaders();
    h.set(PUBLISHED_AT_HEADER, String(Date.now()));
    for (const [k, v] of Object.entries(message.headers ?? {})) h.set(k, v);
    if (!message.history) {
      this.#nc.publish(streamSubject(SUBJECT_PREFIX.live, message.stream), message.data, { headers: h });
      return { stream: message.stream, offset: 0, epoch: this.#epoch };
    }
    const subject = streamSubject(SUBJECT_PREFIX.events, message.stream);
    const msgID = nuid.next();
    return retryUntil(
      async (remainingMs) => {
        const ack = await this.#js.publish(subject, message.data, { msgID, headers: h, timeout: Math.max(500, Math.min(5000, remainingMs)) });
        return { stream: message.stream, offset: ack.seq, epoch: this.#epoch };
      },
      {
        withinMs: this.#publishDeadlineMs,
        // A node failing over: no responders or a lost ack. Retrying with the same message id stores it once.
        retryable: () => !this.#closed && !this.#nc.isClosed(),
        firstDelayMs: 50,
        giveUp: (err, attempts) => publishGaveUp(message.stream, this.#publishDeadlineMs, err, attempts),
      },
    );
  }

  async subscribe(stream: string, onDelivery: Listener): Promise<LiveSubscription> {
    const subject = streamSubject(SUBJECT_PREFIX.live, stream);
    const live: LiveSub = { stream, sub: undefined as unknown as Subscription, listener: onDelivery, lastOffset: 0, held: [] };
    const sub = await this.#nextTurn(() => {
      if (this.#closed) throw new Error('bus is closed');
      return this.#nc.subscribe(subject, { callback: (err, m) => (err ? undefined : this.#onMessage(live, m)) });
    });
    live.sub = sub;
    this.#subs.add(live);
    const unsubscribe = (): void => {
      this.#subs.delete(live);
      // Nothing reaches the listener once it is out of #subs; the UNSUB can wait for the turn's others.
      // A connection closed by then has dropped the subscription itself.
      this.#nextTurn(() => sub.unsubscribe()).catch(() => {});
    };
    try {
      const head = await this.#head(stream);
      live.lastOffset = head;
      this.#release(live);
      return { head, unsubscribe };
    } catch (err) {
      unsubscribe();
      throw err;
    }
  }

  async read(stream: string, after: StreamPosition, limit: number): Promise<ReadResult> {
    const subject = streamSubject(SUBJECT_PREFIX.events, stream);
    const valid = after.epoch === this.#epoch && Number.isSafeInteger(after.offset) && after.offset >= 0;
    if (!valid || !(await this.#continuable(subject, after.offset))) {
      return { epoch: this.#epoch, recovered: false, events: [], head: (await this.#lastStored(subject))?.seq ?? 0 };
    }
    const events: Delivery[] = [];
    let cursor = after.offset;
    for (;;) {
      if (events.length >= limit) {
        // Stopped by the limit: the head may be further on.
        return { epoch: this.#epoch, recovered: true, events, head: (await this.#lastStored(subject))?.seq ?? cursor };
      }
      const m = await this.#gets.get({ next_by_subj: subject, seq: cursor + 1 });
      if (!m) return { epoch: this.#epoch, recovered: true, events, head: events.length ? cursor : ((await this.#lastStored(subject))?.seq ?? 0) };
      events.push(this.#stored(stream, m, cursor));
      cursor = m.seq;
    }
  }

  async last(stream: string): Promise<Delivery | undefined> {
    const m = await this.#lastStored(streamSubject(SUBJECT_PREFIX.events, stream));
    return m ? this.#stored(stream, m, 0) : undefined;
  }

  /** Compare the stream's identity with the epoch in use; recreate the stream if it vanished. */
  checkEpoch(): Promise<void> {
    return this.#checkEpoch();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    for (const s of this.#subs) s.sub.unsubscribe();
    this.#subs.clear();
    this.#gets.close();
  }

  #onMessage(live: LiveSub, m: Msg): void {
    const d = this.#live(live.stream, m);
    if (live.held) {
      live.held.push(d);
      return;
    }
    if (d.offset > 0 && d.offset <= live.lastOffset) {
      // Not newer than what was passed on: either a late live copy of an event a resync already
      // delivered, or the stream was recreated and restarted its sequence. The stream's identity tells
      // which; hold deliveries until it is known.
      const epoch = this.#epoch;
      live.held = [d];
      void this.checkEpoch().then(() => {
        if (this.#epoch === epoch) return this.#release(live);
        live.lastOffset = 0;
        this.#release(live, this.#epoch);
      });
      return;
    }
    this.#pass(live, d);
  }

  /** Stop holding: pass on what was held and is newer than the last offset (stamped with `epoch` if given). */
  #release(live: LiveSub, epoch?: string): void {
    const held = live.held ?? [];
    live.held = undefined;
    for (const d of held) {
      if (d.offset !== 0 && d.offset <= live.lastOffset) continue;
      this.#pass(live, epoch && d.offset > 0 ? { ...d, epoch } : d);
    }
  }

  #resyncAll(): void {
    for (const live of this.#subs) if (!live.held) void this.#resync(live);
  }

  /** Deliver stored events after the subscription's last offset, holding live ones meanwhile. */
  async #resync(live: LiveSub): Promise<void> {
    live.held = [];
    try {
      const read = await this.read(live.stream, { epoch: this.#epoch, offset: live.lastOffset }, 10_000);
      for (const d of read.events) this.#pass(live, d);
    } catch (err) {
      this.#onError('resync after reconnect failed', { stream: live.stream, error: String(err) });
    } finally {
      this.#release(live);
    }
  }

  #pass(live: LiveSub, d: Delivery): void {
    if (!this.#subs.has(live)) return;
    if (d.offset > 0) live.lastOffset = d.offset;
    live.listener(d);
  }

  #live(stream: string, m: Msg): Delivery {
    const h = m.headers;
    const offset = seqHeader(h, 'Nats-Sequence');
    return {
      stream,
      offset,
      prevOffset: offset > 0 ? seqHeader(h, 'Nats-Last-Sequence') : 0,
      epoch: this.#epoch,
      data: m.string(),
      publishedAt: Number(h?.get(PUBLISHED_AT_HEADER)) || Date.now(),
      ...(offset === 0 && h?.has(ORIGIN_HEADER) ? { origin: h.get(ORIGIN_HEADER) } : {}),
    };
  }

  #stored(stream: string, m: StoredEvent, prevOffset: number): Delivery {
    return {
      stream,
      offset: m.seq,
      prevOffset,
      epoch: this.#epoch,
      data: utf8.decode(m.data),
      publishedAt: Number(m.header.get(PUBLISHED_AT_HEADER)) || m.storedAt,
    };
  }

  /**
   * The head a new live subscription starts from: the newest stored offset of
   * the stream, or, when it has none, the history stream's last sequence, so
   * that a client that subscribed to an empty stream can still resume exactly.
   *
   * Called once the subscription's SUB is written. Both reads finish before the
   * subject is looked up: the PONG means everything stored from then on arrives
   * live, and a last sequence read earlier is below every event of a subject
   * that was still empty when looked up (read later, it could cover one stored
   * in between, and its live copy would be taken for a duplicate). An earlier
   * read, even one another subscribe started, is therefore as good as a new one.
   */
  async #head(stream: string): Promise<number> {
    // A failed stream info (its leader moving) matters only for an empty subject.
    const [streamLast] = await Promise.all([this.#streamLastSeq().catch((err: unknown) => ({ failed: err })), this.#subsRegistered()]);
    const last = await this.#lastStored(streamSubject(SUBJECT_PREFIX.events, stream));
    if (last) return last.seq;
    if (typeof streamLast !== 'number') throw streamLast.failed;
    return streamLast;
  }

  #lastStored(subject: string): Promise<StoredEvent | null> {
    return this.#gets.get({ last_by_subj: subject });
  }

  /**
   * Can a reader who has seen everything of `subject` up to `offset` continue
   * without a hole? JetStream drops a subject's events oldest first (age,
   * stream limits, per-subject limit), so: yes if the event at `offset` is
   * still stored; otherwise yes only if nothing after `offset` was dropped,
   * i.e. the stream's front is not past it and the per-subject limit has
   * never been reached (a full subject may have dropped events we cannot see).
   */
  async #continuable(subject: string, offset: number): Promise<boolean> {
    if (offset > 0) {
      const m = await this.#gets.get({ seq: offset }).catch(() => null);
      if (m && m.subject === subject) return true;
    }
    const info = await this.#jsm.streams.info(this.#config.name, { subjects_filter: subject });
    if (epochOf(info) !== this.#epoch) return false;
    const state = info.state;
    if (offset > state.last_seq || offset < state.first_seq - 1) return false;
    return (state.subjects?.[subject] ?? 0) < this.#config.maxPerSubject;
  }

  async #watchStatus(): Promise<void> {
    for await (const s of this.#nc.status()) {
      if (this.#closed) return;
      // After a reconnect (perhaps to a node that missed a stream recreation), look again, and fetch
      // what each live subject missed while disconnected: a gap at the tail has no later event to reveal it.
      if (s.type === 'reconnect') void this.checkEpoch().then(() => this.#resyncAll());
    }
  }
}

const utf8 = new TextDecoder();

function seqHeader(h: MsgHdrs | undefined, name: string): number {
  const v = h?.get(name);
  if (!v) return 0;
  const n = Number(v);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

