/** Public types of @herald/client. Wire frames are in wire.ts. */

/**
 * Connection status, as every subscriber and `herald.onStatus` sees it.
 * - `idle`: nothing asked for a socket yet (it opens on the first subscribe, perform or connect()).
 * - `connecting`: first attempt (or the first after connect()/retry()).
 * - `open`: the server said `welcome`; subscriptions are (being) restored.
 * - `reconnecting`: the socket dropped; waiting out the backoff or trying again.
 * - `offline`: the browser reports no network; nothing is tried until it is back.
 * - `auth_error`: `getToken` failed; nothing is tried until connect()/retry().
 * - `stopped`: the server said not to come back (4000, 4003, `reconnect:false`) or `maxAttempts` ran out.
 * - `closed`: disconnect() was called.
 */
export type Status = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'offline' | 'auth_error' | 'stopped' | 'closed';

/** Subscription params: strings or integers, as the catalog declares them. */
export type Params = Readonly<Record<string, string | number>>;

/** A subscription's name: a channel with params, or a channel id such as `agent:my-agent`. */
export type ChannelRef = { readonly channel: string; readonly params?: Params } | { readonly channelId: string };

/** The producer's envelope, exactly as published (socket payloads equal REST responses). */
export interface EventEnvelope<P = unknown> {
  readonly event: string;
  readonly resource_type?: string;
  readonly resource_id?: string;
  readonly payload: P;
  readonly timestamp?: string;
  readonly [extra: string]: unknown;
}

/** Where an event sits: stored events carry epoch and offset; ephemeral ones (typing, token streaming) do not. */
export interface EventMeta {
  readonly stream: string;
  readonly offset: number | undefined;
  readonly epoch: string | undefined;
  /** The subscription key (`channel::{params}` or the channel id). */
  readonly key: string;
}

export type SubscriptionError =
  /** The server refused the subscription. Not retryable: it is dropped. Retryable: the client tries again with backoff. */
  | { readonly type: 'rejected'; readonly reason: string; readonly message: string; readonly retryable: boolean }
  /** Events may have been missed and cannot be replayed: refetch your state (e.g. over REST); live events continue. */
  | { readonly type: 'reset'; readonly streams: readonly string[]; readonly reason: 'not_recovered' }
  /** The server withdrew access (e.g. the resource changed owner): the subscription is dropped, do not resubscribe. */
  | { readonly type: 'unsubscribed'; readonly reason: string };

export type SubscribeOptions<P = unknown> = ChannelRef & {
  onMessage(event: EventEnvelope<P>, meta: EventMeta): void;
  onError?(error: SubscriptionError): void;
  /** Connection status changes while this subscription is active. */
  onStatus?(status: Status): void;
};

/** Why the client asks for a token: the app may skip its cache for `expired`. */
export type TokenReason = 'connect' | 'refresh' | 'expired';
export type TokenProvider = (context: { readonly reason: TokenReason }) => string | Promise<string>;

export interface Logger {
  debug?(message: string, fields?: Record<string, unknown>): void;
  warn?(message: string, fields?: Record<string, unknown>): void;
}

export interface ReconnectOptions {
  /** First backoff window (ms); the n-th retry waits random(0, min(capMs, baseMs·2^n)). Default 500. */
  readonly baseMs?: number;
  /** Largest backoff window (ms). Default 30 000. */
  readonly capMs?: number;
  /** Consecutive failed attempts before giving up with status `stopped`. Default Infinity. */
  readonly maxAttempts?: number;
  /** A connection open this long counts as healthy: the backoff starts over. Default 10 000. */
  readonly resetAfterMs?: number;
}

/** Network and visibility signals; browsers get them from window/document, other runtimes may supply their own. */
export interface Environment {
  isOnline(): boolean;
  subscribe(listener: (signal: 'online' | 'offline' | 'visible') => void): () => void;
}

type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** What the client needs of a WebSocket: the browser's, or the `ws` package's in Node. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ readonly data: unknown }> | null;
  onclose: Handler<{ readonly code: number; readonly reason: string }> | null;
  onerror: Handler<unknown> | null;
}
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export interface CrossTabOptions {
  /** BroadcastChannel and lock name; one per user, so two users in one browser never share a socket. */
  readonly name: string;
}

export interface HeraldClientOptions {
  /** The native endpoint, e.g. `wss://push.example.com/ws` (relative URLs resolve against the page). */
  readonly url: string;
  /** Called on connect, before the token expires and after the server closed with 4001. */
  readonly getToken: TokenProvider;
  /** A WebSocket constructor; default `globalThis.WebSocket` (Node 20 has none: pass `ws`'s). */
  readonly WebSocket?: WebSocketConstructor;
  readonly reconnect?: ReconnectOptions;
  /** How long perform() waits for its reply (ms). Default 10 000. */
  readonly requestTimeoutMs?: number;
  /** Share one socket among the tabs of a browser. Default: on where BroadcastChannel and navigator.locks exist. */
  readonly crossTab?: boolean | CrossTabOptions;
  readonly logger?: Logger;
  /** Network/visibility signals; default: the browser's, none elsewhere. */
  readonly environment?: Environment;
  /** Source of randomness for the backoff jitter (tests). */
  readonly random?: () => number;
}

export interface HeraldClient {
  /** Subscribe; returns the unsubscribe function. Subscribers of one key share one server subscription. */
  subscribe<P = unknown>(options: SubscribeOptions<P>): () => void;
  /** Run a channel action; resolves with `reply.result`, rejects with a HeraldError `{code, message}`. */
  perform<R = unknown>(channel: string, params: Params, action: string, data?: unknown): Promise<R>;
  perform<R = unknown>(ref: ChannelRef, action: string, data?: unknown): Promise<R>;
  readonly status: Status;
  onStatus(listener: (status: Status) => void): () => void;
  /** Open the socket now (it otherwise opens on the first subscribe), or try again after `stopped`/`auth_error`. */
  connect(): void;
  /** Same as connect(): try again now, whatever the backoff says. */
  retry(): void;
  /** Logout: close the socket, forget every subscription, position and timer; never reconnects. */
  disconnect(): void;
}
