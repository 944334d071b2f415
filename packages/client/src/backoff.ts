/**
 * Reconnect delays with "full jitter": the n-th retry waits a uniformly random time in
 * [0, min(cap, base·2^n)). After an outage every client of a pod comes back at once; spreading
 * them over the whole window (not just ±10 % around it) is what keeps the herd off the servers.
 */
export function fullJitter(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const window = Math.min(capMs, baseMs * 2 ** Math.min(Math.max(0, attempt), 52));
  return Math.floor(random() * window);
}

export interface BackoffPolicy {
  readonly baseMs: number;
  readonly capMs: number;
  readonly maxAttempts: number;
  readonly resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 30_000, maxAttempts: Infinity, resetAfterMs: 10_000 };

/** Counts consecutive failed attempts; `next()` is the delay before the next one, undefined once they are used up. */
export class Backoff {
  #attempts = 0;

  constructor(
    private readonly policy: BackoffPolicy,
    private readonly random: () => number = Math.random,
  ) {}

  get attempts(): number {
    return this.#attempts;
  }

  next(): number | undefined {
    if (this.#attempts >= this.policy.maxAttempts) return undefined;
    return fullJitter(this.#attempts++, this.policy.baseMs, this.policy.capMs, this.random);
  }

  /** Skip ahead (e.g. after "rate limited"): the next window is at least base·2^n. */
  atLeast(attempts: number): void {
    this.#attempts = Math.max(this.#attempts, attempts);
  }

  reset(): void {
    this.#attempts = 0;
  }
}
