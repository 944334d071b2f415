/**
 * A producer that keeps publishing while a test breaks things (kills a pod, restarts an edge,
 * closes a tab): one event every `everyMs`, each awaited, so `acked` is exactly the offsets the
 * store acknowledged, in order — what every client must end up with.
 */
export function publishLoop(publishOne: (n: number) => Promise<number>, everyMs: number): { readonly acked: number[]; stop(): Promise<number[]> } {
  const acked: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      acked.push(await publishOne(acked.length));
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    acked,
    async stop() {
      running = false;
      await loop;
      return acked;
    },
  };
}
