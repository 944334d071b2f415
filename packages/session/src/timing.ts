/** Time-based limits the session core applies: rate buckets and bounded waits. */

/** A token bucket: `perSec` refill, `burst` capacity, full at start. */
export class TokenBucket {
  #tokens: number;
  #at = Date.now();
  constructor(
    private readonly perSec: number,
    private readonly burst: number,
  ) {
    this.#tokens = burst;
  }
  take(): boolean {
    const now = Date.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) * this.perSec) / 1000);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** `promise`, or `onTimeout()` as a rejection after `ms`; the timer never outlives the race. */
export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
