/**
 * What a producer publishes: one event, to one or more streams. `payload` is
 * passed to clients unchanged; give `payloadJson` instead to pass exact bytes
 * (big integers, pre-serialized REST responses).
 */
export interface PublishInput {
  readonly streams: readonly string[];
  readonly event: string;
  readonly resource_type?: string;
  readonly resource_id?: string;
  readonly payload?: unknown;
  readonly payloadJson?: string;
  /** ISO 8601; defaults to now. */
  readonly timestamp?: string;
  /** W3C trace context; defaults to the active OpenTelemetry span, if any. */
  readonly traceparent?: string;
  readonly tracestate?: string;
}

export interface PublishedStream {
  readonly stream: string;
  /** 0 for streams without history. */
  readonly offset: number;
  readonly epoch: string;
}

export interface PublishResult {
  readonly streams: readonly PublishedStream[];
}

/** The producer SDK surface: embedded mode publishes in-process, cluster mode over NATS JetStream. */
export interface Producer {
  /** Resolves once every stream stored the event (a JetStream ack in cluster mode); rejects otherwise. */
  publish(input: PublishInput): Promise<PublishResult>;
  setOwner(resourceType: string, resourceId: string, accountId: string): Promise<void>;
}
