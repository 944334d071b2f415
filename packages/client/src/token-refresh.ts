import type { Logger, TokenProvider } from './types.js';
import type { ServerFrame } from './wire.js';

/** A token this close to expiry is not refreshed in band: the 4001 reconnect fetches a new one. */
const MIN_REFRESH_MS = 1000;

/**
 * In-band token refresh for one socket: `{"type":"refresh","token"}` before `welcome.expiresAt`,
 * rescheduled from every `refreshed`. If the app cannot produce a token, or the server refuses it,
 * the socket lives on until expiry; the server's 4001 then makes the connection fetch a fresh one.
 */
export class TokenRefresh {
  #expiresAt: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pendingId: string | undefined;
  #stopped = false;
  static #seq = 0;

  constructor(
    private readonly getToken: TokenProvider,
    private readonly send: (frame: object) => boolean,
    private readonly logger: Logger,
    expiresAt: number | undefined,
  ) {
    this.#expiresAt = expiresAt;
    this.#schedule();
  }

  /** True if `frame` answered our refresh (`refreshed`, or an `error` naming its id). */
  answer(frame: ServerFrame): boolean {
    if (frame.id === undefined || frame.id !== this.#pendingId) return false;
    this.#pendingId = undefined;
    if (frame.type === 'refreshed') {
      const previous = this.#expiresAt;
      this.#expiresAt = typeof frame['expiresAt'] === 'number' ? frame['expiresAt'] : undefined;
      // A token that expires no later (an app cache handing out the same one) would refresh in a loop.
      if (this.#expiresAt !== undefined && previous !== undefined && this.#expiresAt <= previous) return true;
    } else {
      // The old token stays in force until it expires: try again closer to expiry (then 4001 takes over).
      this.logger.warn?.('herald: token refresh refused', { message: frame['message'] });
    }
    this.#schedule();
    return true;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /**
   * At 80 % of the remaining lifetime or 30 s before expiry, whichever is earlier, but never
   * before half of it has passed (short-lived tokens would otherwise refresh in a tight loop).
   */
  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#expiresAt === undefined || this.#stopped) return;
    const remaining = this.#expiresAt - Date.now();
    if (remaining <= MIN_REFRESH_MS) return;
    const delay = Math.max(Math.min(remaining * 0.8, remaining - 30_000), remaining / 2);
    this.#timer = setTimeout(() => void this.#refresh(), delay);
  }

  async #refresh(): Promise<void> {
    let token: string;
    try {
      token = await this.getToken({ reason: 'refresh' });
    } catch (err) {
      return this.logger.warn?.('herald: getToken failed during refresh; the connection lasts until the token expires', { error: String(err) });
    }
    if (this.#stopped || typeof token !== 'string' || token === '') return;
    this.#pendingId = `refresh-${++TokenRefresh.#seq}`;
    this.send({ type: 'refresh', token, id: this.#pendingId });
  }
}
