/**
 * Calls made during one phase of the event loop (uWS's socket callbacks, or the timers that come
 * due), run together right after it, in the loop's check phase (`setImmediate`).
 *
 * The NATS client writes what it has queued once per microtask checkpoint, and Node runs a
 * checkpoint after every uWS callback and every timer: a SUB per upgrade, or an UNSUB per stream
 * whose linger ran out, was a socket write of its own. Queued here, a burst's commands leave in
 * one write. Subscribing waits for the end of the phase, which the subscribe's own round trips
 * (a PONG, then a direct get) dwarf.
 */
export function nextTurnBatch(): <T>(call: () => T) => Promise<T> {
  let queue: (() => void)[] = [];
  const run = (): void => {
    const calls = queue;
    queue = [];
    for (const call of calls) call();
  };
  return <T>(call: () => T) =>
    new Promise<T>((resolve, reject) => {
      const settle = (): void => {
        try {
          resolve(call());
        } catch (err) {
          reject(err as Error);
        }
      };
      if (queue.push(settle) === 1) setImmediate(run);
    });
}
