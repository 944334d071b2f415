import type { NatsConnection } from '@nats-io/transport-node';
import { AUTHZ_SUBJECTS } from './subjects.js';
import type { Invalidation } from '../invalidation.js';
import { decodeInvalidation, encodeInvalidation } from './wire.js';

export interface InvalidationOptions {
  readonly subject?: string;
  /** Malformed messages and handler exceptions end up here (they never break the subscription). */
  readonly onError?: (message: string, fields: Record<string, unknown>) => void;
}

/** Fire-and-forget: invalidations only shorten cache lifetimes, every cached decision also expires on its own. */
export function publishInvalidation(nc: NatsConnection, inv: Invalidation, subject: string = AUTHZ_SUBJECTS.invalidate): void {
  nc.publish(subject, encodeInvalidation(inv));
}

/** Every subscriber (no queue group) sees every invalidation; a bad publisher cannot take edges down. */
export function subscribeInvalidations(
  nc: NatsConnection,
  handler: (inv: Invalidation) => void,
  options: InvalidationOptions = {},
): { unsubscribe(): void } {
  const onError = options.onError ?? (() => {});
  const sub = nc.subscribe(options.subject ?? AUTHZ_SUBJECTS.invalidate, {
    callback: (err, msg) => {
      if (err) return onError('invalidation subscription failed', { error: String(err) });
      let inv: Invalidation;
      try {
        inv = decodeInvalidation(msg.data);
      } catch (e) {
        return onError('malformed invalidation ignored', { error: String(e) });
      }
      try {
        handler(inv);
      } catch (e) {
        onError('invalidation handler failed', { error: String(e) });
      }
    },
  });
  return { unsubscribe: () => sub.unsubscribe() };
}
