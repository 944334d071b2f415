import { Kvm, type KV, type KvOptions } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetStreamNotReady, whenJetStreamReady } from './jetstream-ready.js';

/**
 * Open a KV bucket, creating it when missing (an existing bucket keeps its own
 * settings). Pods start together: one retry covers losing the create race, and
 * a JetStream that is not answering yet is waited for.
 */
export function openKvBucket(nc: NatsConnection, bucket: string, options: Partial<KvOptions>): Promise<KV> {
  const kvm = new Kvm(nc);
  return whenJetStreamReady(`KV bucket ${bucket}`, async () => {
    try {
      return await kvm.create(bucket, options);
    } catch (err) {
      if (jetStreamNotReady(err)) throw err;
      return await kvm.create(bucket, options);
    }
  });
}
