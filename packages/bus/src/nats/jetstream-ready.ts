import { setTimeout as sleep } from 'node:timers/promises';
import { JetStreamApiError } from '@nats-io/jetstream';
import { RequestError, TimeoutError } from '@nats-io/transport-node';

/**
 * Whether a JetStream request failed because JetStream is not answering yet: a request that timed
 * out, nobody listening on the API (a node still starting), "not enabled" (what the client makes of
 * that), or 503 "temporarily unavailable" (a cluster electing its leaders).
 */
export function jetStreamNotReady(err: unknown): boolean {
  return (
    err instanceof TimeoutError ||
    (err instanceof RequestError && err.isNoResponders()) ||
    (err instanceof JetStreamApiError && err.status === 503) ||
    (err instanceof Error && err.name === 'JetStreamNotEnabled')
  );
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export interface RetryPolicy {
  /** Give up once this much time has passed since the first try. */
  readonly withinMs: number;
  /** Which failures are worth another try; any other passes through unchanged. */
  readonly retryable: (err: unknown) => boolean;
  /** The first pause between tries; it doubles, up to 1 s. */
  readonly firstDelayMs: number;
  /** The error thrown when the time is up, from the last failure and the number of tries. */
  readonly giveUp: (last: unknown, attempts: number) => Error;
}

/**
 * `call(remainingMs)` until it succeeds, fails with an error that is not `retryable`, or the time is
 * up. JetStream calls that must outlast a node starting or failing over share this one loop.
 */
export async function retryUntil<T>(call: (remainingMs: number) => Promise<T>, policy: RetryPolicy): Promise<T> {
  const deadline = Date.now() + policy.withinMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(deadline - Date.now());
    } catch (err) {
      if (!policy.retryable(err)) throw err;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw policy.giveUp(err, attempt);
      await sleep(Math.min(1000, policy.firstDelayMs * 2 ** (attempt - 1), remaining));
    }
  }
}

/**
 * `call`, asked again while JetStream is not ready, for up to `withinMs`: pods that start together
 * with their NATS cluster wait for it instead of exiting. Other errors pass through at once. When
 * the time is up the error names `what`, since request errors carry no caller stack (the
 * connection sets `noAsyncTraces`).
 */
export function whenJetStreamReady<T>(what: string, call: () => Promise<T>, withinMs = 30_000): Promise<T> {
  return retryUntil(call, {
    withinMs,
    retryable: jetStreamNotReady,
    firstDelayMs: 100,
    giveUp: (err) => new Error(`${what}: JetStream did not answer within ${Math.round(withinMs / 1000)} s (${messageOf(err)})`, { cause: err }),
  });
}

/** A stored publish's error once its retries ran out: a failover outlasting the deadline, not just the last error. */
export function publishGaveUp(stream: string, withinMs: number, last: unknown, attempts: number): Error {
  return new Error(`event for stream ${stream} not acknowledged by JetStream within ${withinMs / 1000} s, ${attempts} attempts (last: ${messageOf(last)})`, { cause: last });
}
