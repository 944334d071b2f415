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

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * `call`, asked again while JetStream is not ready, for up to `withinMs`: pods that start together
 * with their NATS cluster wait for it instead of exiting. Other errors pass through at once. When
 * the time is up the error names `what`, since request errors carry no caller stack (the
 * connection sets `noAsyncTraces`).
 */
export async function whenJetStreamReady<T>(what: string, call: () => Promise<T>, withinMs = 30_000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!jetStreamNotReady(err)) throw err;
      if (Date.now() >= deadline) {
        throw new Error(`${what}: JetStream did not answer within ${Math.round(withinMs / 1000)} s (${err instanceof Error ? err.message : String(err)})`, { cause: err });
      }
      await sleep(Math.min(1000, 100 * 2 ** attempt, Math.max(0, deadline - Date.now())));
    }
  }
}
