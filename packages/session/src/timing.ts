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

/**
 * `promise`, or `onTimeout()` as a rejection after `ms`. Waits of one duration share one timer:
 * their deadlines come in the order they were made, so a FIFO is enough, and a subscribe (which
 * waits on the authorizer) costs no timer of its own. Like a timer per wait, the shared one keeps
 * the process alive while a wait is open, and only then.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let queue = deadlines.get(ms);
  if (!queue) deadlines.set(ms, (queue = new DeadlineQueue(ms)));
  return queue.race(promise, onTimeout);
}

interface Wait {
  readonly at: number;
  settled: boolean;
  readonly expire: () => void;
}

const deadlines = new Map<number, DeadlineQueue>();

class DeadlineQueue {
  #waits: Wait[] = [];
  #timer: NodeJS.Timeout | undefined;
  #open = 0;

  constructor(private readonly ms: number) {}

  race<T>(promise: Promise<T>, onTimeout: () => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const wait: Wait = { at: Date.now() + this.ms, settled: false, expire: () => reject(onTimeout()) };
      this.#waits.push(wait);
      if (this.#open++ === 0) this.#timer?.ref();
      this.#timer ??= this.#arm(this.ms);
      promise.then(
        (value) => {
          if (this.#settle(wait)) resolve(value);
        },
        (err: unknown) => {
          if (this.#settle(wait)) reject(err);
        },
      );
    });
  }

  /** False when the wait had already expired. */
  #settle(wait: Wait): boolean {
    if (wait.settled) return false;
    wait.settled = true;
    if (--this.#open === 0) this.#timer?.unref();
    return true;
  }

  #arm(delayMs: number): NodeJS.Timeout {
    const timer = setTimeout(() => this.#expire(), Math.max(0, delayMs));
    if (this.#open === 0) timer.unref();
    return timer;
  }

  /** Expire what is due, drop what settled, and sleep until the oldest open wait is due. */
  #expire(): void {
    this.#timer = undefined;
    const now = Date.now();
    let i = 0;
    for (; i < this.#waits.length; i++) {
      const wait = this.#waits[i]!;
      if (wait.settled) continue;
      if (wait.at > now) break;
      this.#settle(wait);
      wait.expire();
    }
    this.#waits = this.#waits.slice(i).filter((w) => !w.settled);
    if (this.#waits.length > 0) this.#timer = this.#arm(this.#waits[0]!.at - now);
  }
}
