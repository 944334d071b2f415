import { Kvm, type KV, type KvOptions } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';

/**
 * Open a KV bucket, creating it when missing (an existing bucket keeps its own
 * settings). Pods start together: one retry covers losing the create race.
 */
export async function openKvBucket(nc: NatsConnection, bucket: string, options: Partial<KvOptions>): Promise<KV> {
  const kvm = new Kvm(nc);
  try {
    return await kvm.create(bucket, options);
  } catch {
    return await kvm.create(bucket, options);
  }
}
