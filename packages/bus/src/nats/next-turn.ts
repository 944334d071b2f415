/**
 * Calls made during one turn of the event loop, run together at the start of the next.
 *
 * The NATS client writes what it has queued once per microtask checkpoint, and Node runs a
 * checkpoint after every uWS callback and every timer: a SUB per upgrade, or an UNSUB per stream
 * whose linger ran out, was a socket write of its own. Queued here, a burst's commands leave in
 * one write. The cost is one turn of latency on subscribing, which the subscribe's own round
 * trips (a PONG, then a direct get) dwarf.
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
