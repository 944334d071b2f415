function lockManager(): LockManager | undefined {
  return (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
}

export function crossTabSupported(): boolean {
  return typeof (globalThis as { BroadcastChannel?: unknown }).BroadcastChannel === 'function' && typeof lockManager()?.request === 'function';
}

const ignoreAbort = (): void => undefined;

/**
 * Web Locks as leadership and presence. A lock is held until release() (or until the tab goes:
 * the browser frees the locks of a closed or crashed document), so waiting for a tab's own lock is
 * how another tab learns it is gone, without heartbeats.
 */
export class TabLocks {
  readonly #abort = new AbortController();
  readonly #held: (() => void)[] = [];
  #released = false;

  /** Take `name` (waiting in its queue) and keep it until release(); `granted` runs once it is ours. */
  hold(name: string, granted: () => void): void {
    lockManager()!
      .request(name, { signal: this.#abort.signal }, () => {
        if (this.#released) return undefined;
        granted();
        return new Promise<void>((resolve) => this.#held.push(resolve));
      })
      .catch(ignoreAbort);
  }

  /** Wait for a lock another tab holds: `gone` runs once that tab let it go. */
  watch(name: string, gone: () => void): void {
    lockManager()!
      .request(name, { signal: this.#abort.signal }, () => {
        if (!this.#released) gone();
      })
      .catch(ignoreAbort);
  }

  /** Leave every queue and let go of every lock held. */
  release(): void {
    this.#released = true;
    this.#abort.abort();
    for (const resolve of this.#held.splice(0)) resolve();
  }
}
