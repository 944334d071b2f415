import { DEFAULT_BACKOFF } from './backoff.js';
import { CrossTabUpstream, crossTabSupported } from './cross-tab.js';
import { browserEnvironment } from './environment.js';
import { HeraldError } from './errors.js';
import { subscriptionKey } from './stable-json.js';
import { Registry } from './subscriptions.js';
import type { ChannelRef, Environment, HeraldClient, HeraldClientOptions, Logger, Params, Status, SubscribeOptions, WebSocketConstructor } from './types.js';
import { DirectUpstream, type Downstream, type EngineConfig, type Upstream } from './upstream.js';
import { toWireRef, type ReplyOutcome } from './wire.js';

const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

interface Request {
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: HeraldError) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/**
 * A Herald client for one user: one socket (shared by the user's tabs where the browser allows),
 * any number of subscribers. Nothing connects until the first subscribe, perform or connect().
 */
export function createHeraldClient(options: HeraldClientOptions): HeraldClient {
  return new Client(options);
}

class Client implements HeraldClient {
  readonly #config: EngineConfig;
  readonly #logger: Logger;
  readonly #environment: Environment;
  readonly #crossTabName: string | undefined;
  readonly #registry: Registry;
  readonly #listeners = new Set<(status: Status) => void>();
  readonly #requests = new Map<string, Request>();
  #upstream: Upstream | undefined;
  #status: Status = 'idle';
  #seq = 0;
  #closed = false;

  constructor(options: HeraldClientOptions) {
    if (typeof options?.url !== 'string' || options.url === '') throw new TypeError('createHeraldClient: url is required');
    if (typeof options.getToken !== 'function') throw new TypeError('createHeraldClient: getToken must be a function');
    const WebSocketCtor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (typeof WebSocketCtor !== 'function') throw new TypeError('createHeraldClient: no WebSocket here; pass the WebSocket option (in Node: `import WebSocket from "ws"`)');
    this.#logger = options.logger ?? {};
    this.#environment = options.environment ?? browserEnvironment();
    const r = options.reconnect ?? {};
    this.#config = {
      url: options.url,
      getToken: options.getToken,
      WebSocket: WebSocketCtor,
      backoff: {
        baseMs: r.baseMs ?? DEFAULT_BACKOFF.baseMs,
        capMs: r.capMs ?? DEFAULT_BACKOFF.capMs,
        maxAttempts: r.maxAttempts ?? DEFAULT_BACKOFF.maxAttempts,
        resetAfterMs: r.resetAfterMs ?? DEFAULT_BACKOFF.resetAfterMs,
      },
      environment: this.#environment,
      logger: this.#logger,
      random: options.random ?? Math.random,
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    };
    this.#crossTabName = this.#resolveCrossTab(options);
    this.#registry = new Registry({ want: (key, ref) => this.#up().want(key, ref), drop: (key) => this.#upstream?.drop(key) }, this.#logger);
  }

  get status(): Status {
    return this.#status;
  }

  onStatus(listener: (status: Status) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  subscribe<P = unknown>(options: SubscribeOptions<P>): () => void {
    if (typeof options?.onMessage !== 'function') throw new TypeError('subscribe: onMessage must be a function');
    if (this.#closed) {
      this.#logger.warn?.('herald: subscribe after disconnect() is ignored; create a new client');
      return () => undefined;
    }
    const ref = toWireRef(options);
    return this.#registry.add(subscriptionKey(ref), ref, options as SubscribeOptions);
  }

  perform<R = unknown>(...args: [string, Params, string, unknown?] | [ChannelRef, string, unknown?]): Promise<R> {
    const [ref, action, data] = typeof args[0] === 'string' ? [{ channel: args[0], params: args[1] as Params }, args[2] as string, args[3]] : [args[0], args[1] as string, args[2]];
    if (this.#closed) return Promise.reject(new HeraldError('closed', 'the client was disconnected'));
    const reqId = `req-${++this.#seq}`;
    const timeoutMs = this.#config.requestTimeoutMs;
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#requests.delete(reqId);
        this.#upstream?.forgetPerform(reqId);
        reject(new HeraldError('timeout', `no reply to ${action} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#requests.set(reqId, { resolve: resolve as (r: unknown) => void, reject, timer });
      this.#up().perform(reqId, toWireRef(ref), action, data);
    });
  }

  connect(): void {
    if (this.#closed) return void this.#logger.warn?.('herald: connect after disconnect() is ignored; create a new client');
    this.#up().connect();
  }

  retry(): void {
    this.connect();
  }

  disconnect(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#upstream?.stop();
    this.#upstream = undefined;
    for (const r of this.#requests.values()) {
      clearTimeout(r.timer);
      r.reject(new HeraldError('closed', 'the client was disconnected'));
    }
    this.#requests.clear();
    this.#setStatus('closed');
    this.#registry.clear();
    this.#listeners.clear();
  }

  #resolveCrossTab(options: HeraldClientOptions): string | undefined {
    const wanted = options.crossTab ?? true;
    if (wanted === false) return undefined;
    if (!crossTabSupported()) {
      if (typeof wanted === 'object') this.#logger.warn?.('herald: cross-tab sharing needs BroadcastChannel and navigator.locks; using a socket of its own');
      return undefined;
    }
    return typeof wanted === 'object' ? wanted.name : `herald:${options.url}`;
  }

  /** The socket owner, created on first use (a client that is never used opens nothing, takes no lock). */
  #up(): Upstream {
    if (this.#upstream) return this.#upstream;
    const down: Downstream = {
      event: (keys, frame) => this.#registry.event(keys, frame),
      subscribed: (key, info) => this.#registry.subscribed(key, info),
      keyError: (key, error) => this.#registry.keyError(key, error),
      reply: (reqId, outcome) => this.#replied(reqId, outcome),
      status: (status) => this.#setStatus(status),
      announce: () => this.#registry.announce(),
    };
    this.#upstream =
      this.#crossTabName === undefined ? new DirectUpstream(this.#config, down) : new CrossTabUpstream(this.#crossTabName, this.#config, down, this.#environment, this.#logger);
    return this.#upstream;
  }

  #replied(reqId: string, outcome: ReplyOutcome): void {
    const r = this.#requests.get(reqId);
    if (!r) return;
    this.#requests.delete(reqId);
    clearTimeout(r.timer);
    if ('error' in outcome) r.reject(new HeraldError(outcome.error.code, outcome.error.message));
    else r.resolve(outcome.result);
  }

  #setStatus(status: Status): void {
    if (status === this.#status || (this.#closed && status !== 'closed')) return;
    this.#status = status;
    this.#registry.status(status);
    for (const listener of [...this.#listeners]) {
      try {
        listener(status);
      } catch (err) {
        this.#logger.warn?.('herald: a status listener threw', { error: String(err) });
      }
    }
  }
}
