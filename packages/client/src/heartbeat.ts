/**
 * App-level keepalive for one socket: a `ping` every heartbeat, and `dead()` once nothing at all
 * arrived for two heartbeats plus slack. The server answers every ping, so that long a silence
 * means a dead path (a sleeping laptop, a NAT that forgot us) that TCP may not notice for minutes.
 * Browsers hide protocol-level pings from pages, hence frames.
 */
export class Heartbeat {
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #deadTimer: ReturnType<typeof setTimeout> | undefined;
  #lastSeen = Date.now();
  #deadAfterMs = 0;

  start(heartbeatMs: number, ping: () => void, dead: () => void): void {
    this.stop();
    this.#deadAfterMs = 2 * heartbeatMs + Math.max(1000, heartbeatMs / 2);
    this.#lastSeen = Date.now();
    this.#pingTimer = setInterval(ping, heartbeatMs);
    // One timer re-armed for the remaining time, not one per frame.
    const check = (ms: number): void => {
      this.#deadTimer = setTimeout(() => {
        const idle = Date.now() - this.#lastSeen;
        if (idle >= this.#deadAfterMs) dead();
        else check(this.#deadAfterMs - idle);
      }, ms);
    };
    check(this.#deadAfterMs);
  }

  /** Something arrived. */
  seen(): void {
    this.#lastSeen = Date.now();
  }

  stop(): void {
    clearInterval(this.#pingTimer);
    clearTimeout(this.#deadTimer);
    this.#pingTimer = undefined;
    this.#deadTimer = undefined;
  }
}
