import type { NatsConnection } from '@nats-io/transport-node';
import type { KV } from '@nats-io/kv';
import { kvKey, openKvBucket } from '@herald/bus';
import type { OwnershipStore } from '../ownership.js';
import { OWNERS_BUCKET } from './subjects.js';
import { publishInvalidation } from './invalidations.js';

export interface KvOwnershipOptions {
  readonly bucket?: string;
  /** JetStream replicas when the bucket is created (3 on a 3-node cluster). */
  readonly replicas?: number;
  /** Values kept per key when the bucket is created; only the latest is read. */
  readonly history?: number;
}

/**
 * Ownership in the NATS KV bucket `herald_owners` (cluster mode): key
 * `kvKey(resourceType, resourceId)`, value the owning account id. Every change
 * is followed by an invalidation so edges drop cached decisions and re-check
 * the sockets subscribed to that resource.
 */
export class KvOwnershipStore implements OwnershipStore {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly kv: KV,
  ) {}

  /** Opens the bucket, creating it when missing (an existing bucket keeps its own settings). */
  static async open(nc: NatsConnection, options: KvOwnershipOptions = {}): Promise<KvOwnershipStore> {
    const kv = await openKvBucket(nc, options.bucket ?? OWNERS_BUCKET, {
      replicas: options.replicas ?? 1,
      history: options.history ?? 1,
    });
    return new KvOwnershipStore(nc, kv);
  }

  async getOwner(resourceType: string, resourceId: string): Promise<string | undefined> {
    const entry = await this.kv.get(kvKey(resourceType, resourceId));
    // A deleted or purged key is still returned, as a DEL/PURGE marker.
    if (!entry || entry.operation !== 'PUT') return undefined;
    return entry.string();
  }

  async setOwner(resourceType: string, resourceId: string, accountId: string): Promise<void> {
    if (accountId === '') throw new Error('owner account id must not be empty');
    // Unchanged owner: no write, and no invalidation storm when producers re-assert ownership.
    if ((await this.getOwner(resourceType, resourceId)) === accountId) return;
    await this.kv.put(kvKey(resourceType, resourceId), accountId);
    await this.#changed(resourceType, resourceId);
  }

  async deleteOwner(resourceType: string, resourceId: string): Promise<void> {
    if ((await this.getOwner(resourceType, resourceId)) === undefined) return;
    await this.kv.delete(kvKey(resourceType, resourceId));
    await this.#changed(resourceType, resourceId);
  }

  async #changed(resourceType: string, resourceId: string): Promise<void> {
    publishInvalidation(this.nc, { resource_type: resourceType, resource_id: resourceId });
    // Flush so the invalidation is on the wire by the time the caller hears "done".
    await this.nc.flush();
  }
}
