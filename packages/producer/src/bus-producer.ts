import type { OwnershipStore } from '@herald/authz';
import type { Bus } from '@herald/bus';
import type { Catalog } from '@herald/channels';
import { EnvelopeError, encodeEnvelope, LIMITS, validateEventName, validateStreamName } from '@herald/protocol';
import type { ChannelName, ChannelParams } from './channels.generated.js';
import { traceHeaders, type TraceContext } from './trace.js';
import type { Producer, PublishInput, PublishResult } from './types.js';

/** Publishing to one channel's streams, checked against the catalog. */
export interface ChannelTarget {
  readonly streams: readonly string[];
  publish(event: string, payload: unknown, extra?: Pick<PublishInput, 'resource_type' | 'resource_id' | 'timestamp' | 'traceparent' | 'tracestate'>): Promise<PublishResult>;
}

/**
 * The producer SDK over any bus: in-process (embedded mode) or NATS JetStream
 * (cluster mode, see `connectProducer`); the edge's HTTP publish endpoint uses
 * it too. Whether a stream keeps history comes from the channel catalog;
 * streams the catalog does not know keep history.
 */
export class BusProducer implements Producer {
  constructor(
    private readonly bus: Bus,
    private readonly catalog: Catalog,
    private readonly owners: OwnershipStore,
    private readonly onPublished?: (history: boolean) => void,
  ) {}

  async publish(input: PublishInput): Promise<PublishResult> {
    return this.publishEnvelope(input.streams, buildEnvelope(input), input);
  }

  /**
   * The streams of a catalog channel, with params the compiler checks
   * (`channels.generated.ts`) and the catalog validates at run time.
   */
  channel<C extends ChannelName>(channel: C, params: ChannelParams[C]): ChannelTarget {
    const resolved = this.catalog.resolveForPublish(channel, params);
    if (!resolved.ok) throw new EnvelopeError(resolved.message);
    const streams = resolved.streams;
    return {
      streams,
      publish: (event, payload, extra = {}) => this.publish({ ...extra, streams, event, payload }),
    };
  }

  /** Publish an already-encoded envelope (the HTTP endpoint parses and encodes it once). */
  async publishEnvelope(streams: readonly string[], envelope: string, trace?: TraceContext): Promise<PublishResult> {
    if (streams.length === 0 || streams.length > LIMITS.streamsPerPublish) throw new EnvelopeError(`streams must list 1 to ${LIMITS.streamsPerPublish} streams`);
    for (const s of streams) {
      const problem = validateStreamName(s);
      if (problem) throw new EnvelopeError(problem);
    }
    const headers = traceHeaders(trace);
    const acks = await Promise.all(
      streams.map((stream) => {
        const history = this.catalog.streamInfo(stream)?.history ?? true;
        this.onPublished?.(history);
        return this.bus.publish({ stream, data: envelope, history, ...(headers ? { headers } : {}) });
      }),
    );
    return { streams: acks.map((a) => ({ stream: a.stream, offset: a.offset, epoch: a.epoch })) };
  }

  async setOwner(resourceType: string, resourceId: string, accountId: string): Promise<void> {
    await this.owners.setOwner(resourceType, resourceId, accountId);
  }
}

/** The canonical envelope for a publish: payload bytes given (`payloadJson`) or serialized once. */
export function buildEnvelope(input: PublishInput): string {
  const problem = validateEventName(input.event);
  if (problem) throw new EnvelopeError(problem);
  let payloadJson = input.payloadJson;
  if (payloadJson !== undefined) {
    try {
      JSON.parse(payloadJson);
    } catch {
      throw new EnvelopeError('payloadJson is not valid JSON');
    }
  } else {
    payloadJson = JSON.stringify(input.payload ?? null);
  }
  return encodeEnvelope({
    event: input.event,
    resource_type: input.resource_type,
    resource_id: input.resource_id,
    payloadJson,
    timestamp: input.timestamp ?? new Date().toISOString(),
  });
}
