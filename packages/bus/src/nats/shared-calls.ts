/**
 * Round trips that many callers can share. In a reconnect storm an edge
 * subscribes a thousand new streams within a second; each needs "the server
 * has my SUB" and "the stream's last sequence", and one answer serves them all.
 */

/**
 * `call` shared by callers that need an answer obtained *after* they asked
 * (a PONG that covers the SUB they just wrote). At most one call runs; callers
 * arriving while it runs share the next one, started when it settles.
 */
export function afterAsking<T>(call: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  let next: Promise<T> | undefined;
  const start = (): Promise<T> => {
    const p = call();
    running = p;
    const settled = (): void => {
      if (running === p) running = undefined;
    };
    p.then(settled, settled);
    return p;
  };
  return () => {
    if (!running) return start();
    next ??= running.then(
      () => undefined,
      () => undefined,
    ).then(() => {
      next = undefined;
      return start();
    });
    return next;
  };
}

/** `call` shared by callers for which any answer still on its way will do: one call in flight at most. */
export function inFlight<T>(call: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () =>
    (running ??= call().finally(() => {
      running = undefined;
    }));
}
