/**
 * Token expiry for many connections without a timer each: connections are
 * bucketed by the second they expire in, and one interval closes the due
 * buckets. Cost is O(expiring connections), not O(all connections).
 */
export class ExpiryWheel<T> {
  readonly #buckets = new Map<number, Set<T>>();
  readonly #at = new Map<T, number>();
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly onExpire: (item: T) => void,
    private readonly now: () => number = Date.now,
    tickMs = 250,
  ) {
    this.#timer = setInterval(() => this.tick(), tickMs);
    this.#timer.unref();
  }

  /** (Re)schedule `item` to expire at `atMs`; undefined cancels. */
  schedule(item: T, atMs: number | undefined): void {
    this.cancel(item);
    if (atMs === undefined) return;
    const second = Math.ceil(atMs / 1000);
    let bucket = this.#buckets.get(second);
    if (!bucket) this.#buckets.set(second, (bucket = new Set()));
    bucket.add(item);
    this.#at.set(item, second);
    if (atMs <= this.now()) queueMicrotask(() => this.tick()); // already due: do not wait for the next tick
  }

  cancel(item: T): void {
    const second = this.#at.get(item);
    if (second === undefined) return;
    this.#at.delete(item);
    const bucket = this.#buckets.get(second);
    bucket?.delete(item);
    if (bucket?.size === 0) this.#buckets.delete(second);
  }

  get size(): number {
    return this.#at.size;
  }

  tick(): void {
    const nowSecond = Math.floor(this.now() / 1000);
    // Walk only the seconds that passed; buckets scheduled in the past are swept too.
    for (const [second, bucket] of this.#buckets) {
      if (second > nowSecond) continue;
      this.#buckets.delete(second);
      for (const item of bucket) {
        this.#at.delete(item);
        this.onExpire(item);
      }
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
