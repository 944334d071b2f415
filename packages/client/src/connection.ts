import { Backoff, type BackoffPolicy } from './backoff.js';
import { afterClose, readGoodbye, type Goodbye } from './close-policy.js';
import { Heartbeat } from './heartbeat.js';
import { closeNow, detach, socketUrl } from './socket.js';
import { TokenRefresh } from './token-refresh.js';
import type { Environment, Logger, Status, TokenProvider, TokenReason, WebSocketConstructor, WebSocketLike } from './types.js';
import { SUBPROTOCOL, type ServerFrame, type Welcome } from './wire.js';

export interface ConnectionConfig {
  readonly url: string;
  readonly getToken: TokenProvider;
  readonly WebSocket: WebSocketConstructor;
  readonly backoff: BackoffPolicy;
  readonly environment: Environment;
  readonly logger: Logger;
  readonly random: () => number;
}

export interface ConnectionHooks {
  /** `welcome` arrived: the socket is usable. */
  opened(welcome: Welcome): void;
  /** Every frame the connection does not handle itself (welcome, pong, refreshed, disconnect). */
  frame(frame: ServerFrame): void;
  /** The socket is gone; the status says what happens next. */
  lost(): void;
  status(status: Status): void;
}

type Timer = ReturnType<typeof setTimeout>;

const CONNECT_TIMEOUT_MS = 15_000;
const DEFAULT_HEARTBEAT_SEC = 25;
const noop = (): void => undefined;

/**
 * One WebSocket at a time to Herald's native endpoint, kept alive: token in a `bearer.` subprotocol
 * entry (never in the URL, so never in access logs), app-level pings, dead-socket detection,
 * in-band token refresh, and reconnects with full-jitter backoff that honour the close codes.
 * It knows nothing about subscriptions: the engine restores those on `opened`.
 */
export class Connection {
  #status: Status = 'idle';
  #socket: WebSocketLike | undefined;
  /** `welcome` arrived on the current socket. */
  #opened = false;
  /** A token is being fetched for the next socket. */
  #fetching = false;
  /** Bumped by every attempt and by stop(): async work of an older attempt is discarded. */
  #run = 0;
  readonly #backoff: Backoff;
  #retryTimer: Timer | undefined;
  #connectTimer: Timer | undefined;
  readonly #heartbeat = new Heartbeat();
  #refresh: TokenRefresh | undefined;
  #openedAt = 0;
  /** The server's `disconnect` frame for the current socket, if it sent one. */
  #goodbye: Goodbye | undefined;
  #tokenReason: TokenReason = 'connect';
  /** The next attempt restores a lost connection (status `reconnecting`, not `connecting`). */
  #recovering = false;
  readonly #unlisten: () => void;

  constructor(
    private readonly config: ConnectionConfig,
    private readonly hooks: ConnectionHooks,
  ) {
    this.#backoff = new Backoff(config.backoff, config.random);
    this.#unlisten = config.environment.subscribe((signal) => this.#signal(signal));
  }

  get status(): Status {
    return this.#status;
  }

  get isOpen(): boolean {
    return this.#opened && this.#socket !== undefined;
  }

  /** Lazy start (first subscribe): connects unless already underway or in a final state. */
  ensure(): void {
    if (this.#status === 'idle') this.#attemptNow();
  }

  /** connect()/retry(): also leaves `stopped`/`auth_error`, and cuts a backoff wait short. */
  start(): void {
    if (this.#status === 'closed' || this.#socket || this.#fetching) return;
    if (this.#status === 'stopped' || this.#status === 'auth_error') {
      this.#backoff.reset();
      this.#recovering = false;
    }
    this.#attemptNow();
  }

  /** The page became visible (or another tab did): if waiting to reconnect, do it now. */
  wake(): void {
    if (this.#retryTimer !== undefined) this.#attemptNow();
  }

  /** Take over from another tab's connection: a final state holds (no attempts until start()), a live one is being restored. */
  inherit(status: Status): void {
    if (this.#status !== 'idle') return;
    if (status === 'stopped' || status === 'auth_error') this.#setStatus(status);
    else if (status !== 'idle' && status !== 'closed') this.#recovering = true;
  }

  send(frame: object): boolean {
    if (!this.isOpen) return false;
    try {
      this.#socket!.send(JSON.stringify(frame));
      return true;
    } catch (err) {
      this.config.logger.warn?.('herald: send failed', { error: String(err) });
      return false;
    }
  }

  stop(): void {
    if (this.#status === 'closed') return;
    this.#run++;
    this.#unlisten();
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    const socket = this.#socket;
    this.#teardown();
    this.#setStatus('closed');
    try {
      socket?.close(1000, 'client disconnect');
    } catch {
      /* already closing */
    }
  }

  #attemptNow(): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    if (!this.config.environment.isOnline()) return this.#setStatus('offline');
    void this.#attempt();
  }

  async #attempt(): Promise<void> {
    const run = ++this.#run;
    this.#fetching = true;
    this.#setStatus(this.#recovering ? 'reconnecting' : 'connecting');
    let token: string;
    try {
      token = await this.config.getToken({ reason: this.#tokenReason });
      if (typeof token !== 'string' || token === '') throw new Error('getToken returned no token');
    } catch (err) {
      if (run !== this.#run) return;
      this.#fetching = false;
      // No retry loop: a token the app cannot produce will not appear by itself. connect()/retry() tries again.
      this.config.logger.warn?.('herald: getToken failed', { error: String(err) });
      return this.#setStatus('auth_error');
    }
    if (run !== this.#run) return;
    this.#fetching = false;
    this.#tokenReason = 'connect';
    let socket: WebSocketLike;
    try {
      socket = new this.config.WebSocket(socketUrl(this.config.url), [SUBPROTOCOL, `bearer.${token}`]);
    } catch (err) {
      this.config.logger.warn?.('herald: cannot open a WebSocket', { error: String(err) });
      return this.#afterLoss(1006, false, undefined);
    }
    this.#socket = socket;
    socket.onopen = noop;
    socket.onerror = noop; // a close event always follows
    socket.onmessage = (e) => this.#message(socket, e.data);
    socket.onclose = (e) => {
      if (this.#socket === socket) this.#lost(e.code, e.reason);
    };
    this.#connectTimer = setTimeout(() => this.#kill('connect_timeout'), CONNECT_TIMEOUT_MS);
  }

  #message(socket: WebSocketLike, data: unknown): void {
    if (this.#socket !== socket) return;
    this.#heartbeat.seen();
    let frame: ServerFrame;
    try {
      frame = JSON.parse(typeof data === 'string' ? data : String(data)) as ServerFrame;
    } catch {
      return this.config.logger.warn?.('herald: unreadable frame');
    }
    if (frame === null || typeof frame !== 'object') return;
    if (frame.type === 'welcome') return this.#welcome(frame as Welcome);
    if (frame.type === 'pong' || ((frame.type === 'refreshed' || frame.type === 'error') && this.#refresh?.answer(frame))) return;
    if (frame.type === 'disconnect') return void (this.#goodbye = readGoodbye(frame));
    this.hooks.frame(frame);
  }

  #welcome(frame: Welcome): void {
    clearTimeout(this.#connectTimer);
    this.#opened = true;
    this.#openedAt = Date.now();
    const heartbeatMs = Math.max(1, Number(frame.heartbeat) || DEFAULT_HEARTBEAT_SEC) * 1000;
    this.#heartbeat.start(heartbeatMs, () => this.send({ type: 'ping' }), () => this.#kill('heartbeat_timeout'));
    const expiresAt = typeof frame.expiresAt === 'number' ? frame.expiresAt : undefined;
    this.#refresh = new TokenRefresh(this.config.getToken, (f) => this.send(f), this.config.logger, expiresAt);
    this.hooks.opened(frame);
    this.#setStatus('open');
  }

  /** The socket stopped answering (or the network is gone): drop it now and go on as after a close. */
  #kill(reason: string): void {
    const socket = this.#socket;
    if (!socket) return;
    this.config.logger.warn?.('herald: socket unresponsive, reconnecting', { reason });
    this.#lost(1006, reason);
    closeNow(socket);
  }

  #lost(code: number, reason: string): void {
    const wasOpen = this.#opened;
    const goodbye = this.#goodbye;
    this.#teardown();
    if (this.#status === 'closed') return;
    this.config.logger.debug?.('herald: socket closed', { code, reason });
    this.hooks.lost();
    this.#afterLoss(code, wasOpen, goodbye);
  }

  #afterLoss(code: number, wasOpen: boolean, goodbye: Goodbye | undefined): void {
    if (wasOpen && Date.now() - this.#openedAt >= this.config.backoff.resetAfterMs) this.#backoff.reset();
    const next = afterClose(code, goodbye, this.#backoff);
    if (next.stop) {
      this.config.logger.warn?.('herald: not reconnecting', { why: next.why });
      return this.#setStatus('stopped');
    }
    // A socket that never got `welcome` may have been refused for its token (a browser only sees the
    // refused upgrade as 1006): ask for a fresh one rather than retrying a revoked or expired token.
    if (next.freshToken || !wasOpen) this.#tokenReason = 'expired';
    this.#recovering = true;
    if (!this.config.environment.isOnline()) return this.#setStatus('offline');
    this.#setStatus('reconnecting');
    this.#retryTimer = setTimeout(() => this.#attemptNow(), next.delayMs);
  }

  #signal(signal: 'online' | 'offline' | 'visible'): void {
    if (this.#status === 'closed') return;
    if (signal === 'offline') {
      // The socket is as good as dead; keep no timer running until the network is back.
      if (this.#socket) this.#kill('offline');
      clearTimeout(this.#retryTimer);
      this.#retryTimer = undefined;
      if (this.#status === 'reconnecting') this.#setStatus('offline');
    } else if (signal === 'online') {
      if (this.#status === 'offline') this.#attemptNow();
    } else {
      this.wake();
    }
  }

  #teardown(): void {
    if (this.#socket) detach(this.#socket);
    this.#socket = undefined;
    this.#opened = false;
    this.#goodbye = undefined;
    clearTimeout(this.#connectTimer);
    this.#heartbeat.stop();
    this.#refresh?.stop();
    this.#refresh = undefined;
  }

  #setStatus(status: Status): void {
    if (status === this.#status) return;
    this.#status = status;
    this.hooks.status(status);
  }
}
