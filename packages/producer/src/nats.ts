import { KvOwnershipStore } from '@herald/authz';
import { connectNats, NatsBus, type EventsStreamConfig, type NatsConnectOptions } from '@herald/bus';
import { createCatalog, type Catalog } from '@herald/channels';
import type { NatsConnection } from '@nats-io/transport-node';
import { BusProducer } from './bus-producer.js';

export interface ConnectProducerOptions extends Partial<NatsConnectOptions> {
  /** An existing connection (the caller keeps owning it); otherwise one is opened from `servers`. */
  readonly connection?: NatsConnection;
  /** History stream limits, used only if this producer is the first to create the stream. */
  readonly stream?: Partial<EventsStreamConfig>;
  readonly catalog?: Catalog;
  /**
   * How long a publish to a stream with history keeps retrying through a NATS failover (same
   * message id, so it is stored once) before it rejects. Default 10 s.
   */
  readonly publishDeadlineMs?: number;
}

/** The producer SDK in cluster mode: JetStream-acknowledged publishes, ownership in KV. */
export class NatsProducer extends BusProducer {
  constructor(
    readonly connection: NatsConnection,
    private readonly natsBus: NatsBus,
    catalog: Catalog,
    owners: KvOwnershipStore,
    private readonly ownsConnection: boolean,
  ) {
    super(natsBus, catalog, owners);
  }

  async close(): Promise<void> {
    await this.natsBus.close();
    if (this.ownsConnection) await this.connection.drain();
  }
}

/**
 * ```ts
 * const producer = await connectProducer({ servers: process.env.NATS_URL, name: 'missions' });
 * await producer.channel('MissionChannel', { type: 'mission', id: 'm-1' }).publish('mission_updated', mission);
 * ```
 */
export async function connectProducer(options: ConnectProducerOptions): Promise<NatsProducer> {
  const owns = !options.connection;
  const nc =
    options.connection ??
    (await connectNats({ ...options, servers: options.servers ?? 'nats://127.0.0.1:4222', name: options.name ?? 'herald-producer' }));
  try {
    const bus = await NatsBus.start(nc, {
      ...(options.stream ? { stream: options.stream } : {}),
      ...(options.publishDeadlineMs !== undefined ? { publishDeadlineMs: options.publishDeadlineMs } : {}),
      manageStream: false,
    });
    const owners = await KvOwnershipStore.open(nc);
    return new NatsProducer(nc, bus, options.catalog ?? createCatalog(), owners, owns);
  } catch (err) {
    if (owns) await nc.close();
    throw err;
  }
}
