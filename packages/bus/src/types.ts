/**
 * The bus carries events from producers to edges. Two implementations share
 * this interface: in-memory (embedded mode) and NATS JetStream (cluster mode).
 *
 * Offsets are one sequence across all streams (like JetStream's stream
 * sequence): strictly increasing per stream, not contiguous. `prevOffset` is
 * the offset of the previous stored event of the same stream, which lets a
 * reader detect gaps. The epoch identifies one incarnation of the history
 * store; offsets from another epoch mean nothing.
 */
export interface StreamPosition {
  readonly epoch: string;
  readonly offset: number;
}

export interface Delivery {
  readonly stream: string;
  /** 0 for streams without history. */
  readonly offset: number;
  /** Offset of the previous stored event of this stream (0 if none or no history). */
  readonly prevOffset: number;
  readonly epoch: string;
  /** The canonical event envelope, JSON, passed to clients unchanged. */
  readonly data: string;
  /** ms since the epoch when the bus accepted it (for fan-out latency). */
  readonly publishedAt: number;
  /** For ephemeral events relayed between edges: the process that published it (and fanned it out locally already). */
  readonly origin?: string;
}

/** NATS header naming the edge process that relayed an ephemeral event (see `Delivery.origin`). */
export const ORIGIN_HEADER = 'Herald-Origin';

export interface BusPublish {
  readonly stream: string;
  /** Envelope JSON. */
  readonly data: string;
  /** Store in history (offset assigned) or deliver live only. */
  readonly history: boolean;
  /** Carried with the event in cluster mode (W3C `traceparent`); the in-memory bus has no use for them. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface PublishAck {
  readonly stream: string;
  readonly offset: number;
  readonly epoch: string;
}

export interface LiveSubscription {
  /** Offset of the newest stored event of the stream when the subscription became live. */
  readonly head: number;
  unsubscribe(): void;
}

export interface ReadResult {
  readonly epoch: string;
  /** False when the position cannot be continued (other epoch, fell out of history, unknown offset). */
  readonly recovered: boolean;
  /** Stored events after the position, oldest first, at most `limit` (empty when not recovered). */
  readonly events: readonly Delivery[];
  /** Newest stored offset of the stream at read time. */
  readonly head: number;
}

export interface Bus {
  readonly kind: 'memory' | 'nats';
  publish(message: BusPublish): Promise<PublishAck>;
  /** Live deliveries of one stream, in offset order. */
  subscribe(stream: string, onDelivery: (delivery: Delivery) => void): Promise<LiveSubscription>;
  /** Stored events of `stream` after `after`. */
  read(stream: string, after: StreamPosition, limit: number): Promise<ReadResult>;
  /** The newest stored event of a stream (snapshot on subscribe). */
  last(stream: string): Promise<Delivery | undefined>;
  /** The current epoch. */
  epoch(): string;
  close(): Promise<void>;
}

export interface HistoryLimits {
  /** Events kept per stream. */
  readonly maxPerStream: number;
  /** Max age of kept events, ms. */
  readonly maxAgeMs: number;
  /** Streams with history kept at most (oldest-touched dropped first); bounds memory in embedded mode. */
  readonly maxStreams: number;
}
