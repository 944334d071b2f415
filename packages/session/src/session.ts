import type { Identity, TokenVerifier } from '@herald/auth';
import { AuthError } from '@herald/auth';
import type { Authorizer, Decision } from '@herald/authz';
import type { Catalog, Resolved } from '@herald/channels';
import type { ChannelRef, ClientCommand, RefEcho, RequestId, SincePosition, StreamState } from '@herald/protocol';
import { CloseCode, encodeEnvelope, retryHintMs, shouldReconnect } from '@herald/protocol';
import type { Logger } from '@herald/telemetry';
import type { ActionDispatcher, RpcDispatcher } from './actions.js';
import { ActionError, RpcError, validateActionData } from './actions.js';
import type { Frame, SessionCodec } from './codec.js';
import type { ExpiryWheel } from './expiry.js';
import type { PreparedJoin, StreamHub } from './hub.js';
import type { HubMember, SessionSocket } from './ports.js';
import { TokenBucket, withTimeout } from './timing.js';

export interface SessionLimits {
  /** Subscriptions per connection; one more closes with 4008. */
  readonly maxSubscriptions: number;
  /** Inbound frames per second (token bucket refill) and burst; exceeding closes with 4008. */
  readonly rateLimitPerSec: number;
  readonly rateLimitBurst: number;
  /** Broadcast actions per second (burst twice that); more are answered `rate_limited`. */
  readonly broadcastActionsPerSec: number;
  /** Inbound frame size; larger closes with 4008. */
  readonly maxFrameBytes: number;
  /** Commands queued behind a slow one (e.g. an authz check); more closes with 4008. */
  readonly maxPendingCommands: number;
  /** Suggested client ping interval, seconds (sent in `welcome`). */
  readonly heartbeatSec: number;
  readonly authzTimeoutMs: number;
  readonly actionTimeoutMs: number;
}

export interface SessionMetrics {
  messageIn(dialect: string): void;
  subscriptions(delta: number): void;
  rejected(reason: string): void;
  actions(outcome: 'ok' | 'error'): void;
}

/** Everything a session shares with the other sessions of the process. */
export interface SessionDeps {
  readonly catalog: Catalog;
  readonly authorizer: Authorizer;
  readonly hub: StreamHub;
  readonly verifier: TokenVerifier;
  readonly actions: ActionDispatcher;
  /** Where methods Herald does not implement go (JSON-RPC); absent = method not found. */
  readonly rpc?: RpcDispatcher;
  readonly limits: SessionLimits;
  readonly metrics: SessionMetrics;
  readonly expiry: ExpiryWheel<Session>;
  readonly log: Logger;
  readonly epoch: () => string;
}

interface Subscription {
  readonly resolved: Resolved;
  readonly echo: RefEcho;
  /** The hub lane tag of its streams: the ActionCable identifier, '' elsewhere. */
  readonly tag: string;
  /** The connection's own subscription, named by its URL (path streams, SSE): without it the connection ends. */
  readonly initial: boolean;
}

export interface SessionOptions {
  /** Subscribe the catalog's automatic channels (the inbox) on open; off when the client manages them. */
  readonly automatic: boolean;
  /** The connection's one subscription, named by its URL (path streams): refused → the socket closes. */
  readonly initial?: ChannelRef;
  /** Resume position for `initial` (SSE's `Last-Event-ID`): replayed from history, `recovered` told in `subscribed`. */
  readonly initialSince?: SincePosition;
}

/** Subscriptions are keyed by the catalog key, and by identifier where the dialect names them (ActionCable). */
const subscriptionKey = (resolvedKey: string, ref: ChannelRef): string => (ref.identifier === undefined ? resolvedKey : `${ref.identifier}\u0000${resolvedKey}`);
const useKey = (stream: string, tag: string): string => (tag === '' ? stream : `${tag}\u0000${stream}`);

/** uWS validates UTF-8 of text frames before `message` (bad text closes the socket), so decoding cannot fail here. */
const decoder = new TextDecoder('utf-8');

/** The limits `welcome` advertises, encoded once per limits object (one per edge), not per connect. */
const advertised = new WeakMap<SessionLimits, string>();
function advertisedLimits(limits: SessionLimits): string {
  let json = advertised.get(limits);
  if (json === undefined) {
    json = JSON.stringify({ maxFrameBytes: limits.maxFrameBytes, maxSubscriptions: limits.maxSubscriptions, rateLimitPerSec: limits.rateLimitPerSec });
    advertised.set(limits, json);
  }
  return json;
}

/** Where a session is in its life; it only moves forward. */
const enum Phase {
  Created = 0,
  Open = 1,
  /** Herald asked the socket to close; commands already queued still run. */
  Ending = 2,
  /** The transport closed the socket: nothing runs or is sent any more. */
  Closed = 3,
}

/**
 * One client connection, independent of the transport and dialect: it turns
 * client commands into subscriptions, actions and replies. Commands of one
 * connection are handled strictly in order.
 */
export class Session implements HubMember {
  #socket: SessionSocket | undefined;
  /**
   * One field for the whole lifecycle, written by `open()`, so it is mutable in V8's eyes from the
   * first connect. Booleans first written at close flipped their fields from constant to mutable
   * at an edge's first disconnect, which deoptimized the whole connect path (docs/benchmarks/cold-edge.md).
   */
  #phase = Phase.Created;
  /**
   * The streams a connection reads are those of its subscriptions, found by a scan (at most
   * `maxSubscriptions` of them) when one is added or removed: a second map kept them at a cost of
   * ~260 bytes on every idle connection with one subscription.
   */
  #subs: Map<string, Subscription> | undefined;
  /** Subscribes queued but not yet answered, for dialects that answer a subscription once. */
  #pendingSubscribes: Set<string> | undefined;
  #tail: Promise<void> | undefined;
  /** Tasks chained and not yet settled (commands and revalidations); 0 = the next may start at once. */
  #queued = 0;
  /** Client commands among them, against `maxPendingCommands`. */
  #pending = 0;
  /** Inbound frames. */
  readonly #inbound: TokenBucket;
  /** Broadcast-action bucket, created on the first broadcast action. */
  #broadcastBucket: TokenBucket | undefined;

  constructor(
    private readonly deps: SessionDeps,
    readonly codec: SessionCodec,
    readonly dialect: number,
    readonly id: string,
    public identity: Identity,
    private readonly options: SessionOptions = { automatic: true },
  ) {
    this.#inbound = new TokenBucket(deps.limits.rateLimitPerSec, deps.limits.rateLimitBurst);
  }

  get isClosed(): boolean {
    return this.#phase === Phase.Closed;
  }

  get subscriptionCount(): number {
    return this.#subs?.size ?? 0;
  }

  /** The socket is open: greet the client and start the token expiry clock. */
  open(socket: SessionSocket): void {
    this.#socket = socket;
    this.#phase = Phase.Open;
    const { limits } = this.deps;
    this.sendFrame(this.codec.welcome(this.id, limits.heartbeatSec, this.identity.expiresAt, advertisedLimits(limits)));
    if (this.identity.expiresAt !== undefined) this.deps.expiry.schedule(this, this.identity.expiresAt);
    // Personal inboxes arrive without asking, unless the client subscribes itself (to resume them with `since`).
    // Queued, not started: the transport is still opening this session and expects no callback from it yet.
    if (this.options.automatic) for (const def of this.deps.catalog.automatic()) this.#enqueue({ type: 'subscribe', ref: { channel: def.name, params: {} } }, false);
    if (this.options.initial) {
      const since = this.options.initialSince;
      this.#enqueue({ type: 'subscribe', ref: this.options.initial, ...(since ? { since } : {}) }, false);
    }
  }

  /** A frame arrived. Returns quickly; slow commands run in order behind each other. */
  receive(data: ArrayBuffer, isBinary: boolean): void {
    if (this.#phase !== Phase.Open) return;
    const { limits } = this.deps;
    if (!this.#inbound.take()) return this.close(CloseCode.LimitExceeded, 'rate_limited');
    if (data.byteLength > limits.maxFrameBytes) return this.close(CloseCode.LimitExceeded, 'frame_too_large');
    if (isBinary) return this.close(CloseCode.BadRequest, 'binary_frames_not_supported');
    const text = decoder.decode(data);
    this.deps.metrics.messageIn(this.codec.name);
    const parsed = this.codec.parse(text);
    if (!parsed.ok) {
      this.deps.log.debug('unreadable client frame', { connection: this.id, dialect: this.codec.name, code: parsed.code, message: parsed.message });
      return this.sendFrame(this.codec.error(parsed.code, parsed.message, parsed.id));
    }
    const command = parsed.command;
    if (command.type === 'ping' && this.#pending === 0) return this.sendFrame(this.codec.pong(command.id));
    if (command.type === 'subscribe' && this.codec.confirmsOnce && command.ref.identifier !== undefined) {
      // Re-sent until confirmed: one in flight is enough, and a live one is already confirmed.
      if (this.#pendingSubscribes?.has(command.ref.identifier) || this.#hasIdentifier(command.ref.identifier)) return;
      (this.#pendingSubscribes ??= new Set()).add(command.ref.identifier);
    }
    if (this.#pending >= limits.maxPendingCommands) return this.close(CloseCode.LimitExceeded, 'too_many_pending_commands');
    this.#enqueue(command, true);
  }

  #hasIdentifier(identifier: string): boolean {
    for (const sub of this.#subs?.values() ?? []) if (sub.echo.identifier === identifier) return true;
    return false;
  }

  /** `mayStartNow`: the command may run in this tick when nothing is queued (see #chain). */
  #enqueue(command: ClientCommand, mayStartNow: boolean): void {
    this.#pending++;
    const id = 'id' in command ? command.id : undefined;
    void this.#chain(
      () => this.#handle(command),
      { what: 'command', type: command.type },
      () => {
        if (id !== undefined) this.sendFrame(this.codec.error('internal', 'internal error', id));
      },
      () => this.#pending--,
      mayStartNow,
    );
  }

  /**
   * Run `task` after everything queued before it (skipped once closed); a failure is logged, then
   * `onFailure`; `onSettled` either way. With `mayStartNow` and nothing queued the task starts at
   * once, in the caller's tick: most client frames arrive on an idle connection, and a microtask
   * hop per command is measurable in a connect storm. Callers that must not be called back
   * before they return (a transport still opening the session) leave it false.
   */
  #chain(task: () => Promise<void> | void, fields: { what: string; type?: string }, onFailure?: () => void, onSettled?: () => void, mayStartNow = false): Promise<void> {
    const run = (): Promise<void> | void => (this.isClosed ? undefined : task());
    let started: Promise<void>;
    if (mayStartNow && this.#queued === 0) {
      try {
        started = Promise.resolve(run());
      } catch (err) {
        started = Promise.reject(err);
      }
    } else {
      started = (this.#tail ?? Promise.resolve()).then(run);
    }
    this.#queued++;
    const tail = started.then(
      () => {
        this.#settled();
        onSettled?.();
      },
      (err: unknown) => {
        this.#settled();
        this.deps.log.error(`${fields.what} failed`, { connection: this.id, ...fields, error: err });
        onFailure?.();
        onSettled?.();
      },
    );
    this.#tail = tail;
    return tail;
  }

  /** A chained task settled; with none left, an idle connection keeps no promise. */
  #settled(): void {
    if (--this.#queued === 0) this.#tail = undefined;
  }

  /** The transport closed the socket: release everything, never touch the socket again. */
  closed(): void {
    if (this.isClosed) return;
    this.#phase = Phase.Closed;
    this.#socket = undefined;
    this.deps.expiry.cancel(this);
    const subs = this.#subs;
    if (subs?.size) {
      // Each stream of each lane once, though two subscriptions may read it. One pass with a set, not
      // #removeSubscription per subscription: its scan makes that quadratic (823 ms to close a
      // connection at the 10,000-subscription limit, against 1.5 ms at 100).
      const left = subs.size > 1 ? new Set<string>() : undefined;
      for (const sub of subs.values()) {
        for (const stream of sub.resolved.streams) {
          if (left) {
            const use = useKey(stream, sub.tag);
            if (left.has(use)) continue;
            left.add(use);
          }
          this.deps.hub.leave(stream, this, undefined, sub.tag);
        }
      }
      this.deps.metrics.subscriptions(-subs.size);
    }
    this.#subs = undefined;
  }

  /** Close with a Herald close code, telling the client why first (a `disconnect` frame). */
  close(code: number, reason: string): void {
    if (this.#phase !== Phase.Open || !this.#socket) return;
    if (code !== CloseCode.TooSlow) this.sendFrame(this.codec.disconnect(reason, shouldReconnect(code), code, retryHintMs(code)));
    this.#phase = Phase.Ending;
    this.#socket.end(code, reason);
  }

  /**
   * Access may have changed (ownership moved, permissions revoked): ask the
   * authorizer again for each subscription `affected` selects and drop the
   * ones now denied, telling the client with `unsubscribed` (reason
   * `forbidden`); a connection whose URL named that subscription (path
   * streams, SSE) has nothing left to carry and closes with 4003. If the
   * authorizer cannot answer, subscriptions go on.
   * Queued behind pending commands so it never races a subscribe.
   */
  revalidate(affected: (params: Readonly<Record<string, string>>) => boolean): Promise<void> {
    if (this.isClosed || !this.#subs?.size) return Promise.resolve();
    // Subscriptions are picked when the task runs, so one a queued subscribe is about to add is checked too.
    return this.#chain(async () => {
      for (const [key, sub] of [...(this.#subs ?? [])]) {
        if (this.isClosed) return;
        if (!affected(sub.resolved.params)) continue;
        const decision = await this.#authorize(sub.resolved);
        if (this.isClosed || decision.allow || decision.retryable || this.#subs?.get(key) !== sub) continue;
        this.#removeSubscription(key, sub);
        this.deps.metrics.rejected('forbidden');
        this.sendFrame(this.codec.unsubscribed(sub.echo, 'forbidden'));
        if (sub.initial) this.close(CloseCode.Forbidden, 'forbidden');
      }
    }, { what: 'revalidation' });
  }

  /** The token's `exp` passed without an in-band refresh. */
  expire(): void {
    this.close(CloseCode.Unauthorized, 'token_expired');
  }

  sendFrame(frame: Frame): void {
    if (frame === undefined || this.#phase !== Phase.Open || !this.#socket) return;
    // 2 = dropped: the socket is over its backpressure limit; it must resume elsewhere.
    if (this.#socket.send(frame) === 2) this.close(CloseCode.TooSlow, 'too_slow');
  }

  /** Bytes queued on the socket (backpressure). */
  bufferedAmount(): number {
    return this.#socket?.getBufferedAmount() ?? 0; // closed() drops the socket with the phase
  }

  subscribeTopic(topic: string): void {
    this.#socket?.subscribe(topic);
  }

  async #handle(command: ClientCommand): Promise<void> {
    switch (command.type) {
      case 'ping':
        return this.sendFrame(this.codec.pong(command.id));
      case 'subscribe':
        try {
          return await this.#subscribe(command.ref, command.since, command.id);
        } finally {
          if (command.ref.identifier !== undefined) this.#pendingSubscribes?.delete(command.ref.identifier);
        }
      case 'unsubscribe':
        return this.#unsubscribe(command.ref, command.id);
      case 'perform':
        return this.#perform(command.ref, command.action, command.data, command.id);
      case 'refresh':
        return this.#refresh(command.token, command.id);
      case 'call':
        return this.#call(command.method, command.params, command.id);
    }
  }

  async #subscribe(ref: ChannelRef, since: SincePosition | undefined, id: RequestId | undefined): Promise<void> {
    const { catalog, limits, metrics, hub } = this.deps;
    const resolved = catalog.resolve(ref, this.identity);
    if (!resolved.ok) {
      metrics.rejected(resolved.reason);
      this.sendFrame(this.codec.rejected(ref, resolved.reason, resolved.message, false, id));
      return this.#initialRefused(ref, CloseCode.BadRequest, resolved.reason);
    }
    const echo = echoOf(ref, resolved.def.name);
    const key = subscriptionKey(resolved.key, ref);
    const tag = ref.identifier ?? '';
    const existing = this.#subs?.get(key);
    if (existing) {
      if (this.codec.confirmsOnce) return;
      return this.sendFrame(this.codec.subscribed(echo, resolved.key, this.#liveStates(resolved), undefined, id));
    }
    if (!resolved.def.automatic && this.#limitedCount() >= limits.maxSubscriptions) return this.close(CloseCode.LimitExceeded, 'too_many_subscriptions');

    const decision = await this.#authorize(resolved);
    if (this.isClosed) return;
    if (!decision.allow) {
      const reason = decision.retryable ? 'authz_unavailable' : 'forbidden';
      metrics.rejected(reason);
      this.sendFrame(this.codec.rejected(ref, reason, decision.reason ?? reason, decision.retryable === true, id));
      return this.#initialRefused(ref, decision.retryable ? TRY_AGAIN_LATER : CloseCode.Forbidden, reason);
    }

    const def = resolved.def;
    const joins: (PreparedJoin | undefined)[] = [];
    try {
      for (const stream of resolved.streams) {
        if (this.#reads(stream, tag)) {
          joins.push(undefined); // already live on this socket through another subscription
          continue;
        }
        const position = sinceFor(since, stream);
        joins.push(
          await hub.prepare(stream, this, {
            history: def.history,
            tag,
            ...(position ? { since: position } : {}),
            ...(def.onSubscribe?.snapshot ? { snapshot: true } : {}),
          }),
        );
        if (this.isClosed) break;
      }
    } catch (err) {
      for (const j of joins) j?.abandon();
      this.deps.log.warn('subscribe failed', { connection: this.id, channel: def.name, error: err });
      metrics.rejected('unavailable');
      this.sendFrame(this.codec.rejected(ref, 'unavailable', 'stream temporarily unavailable', true, id));
      return this.#initialRefused(ref, TRY_AGAIN_LATER, 'unavailable');
    }
    if (this.isClosed) {
      for (const j of joins) j?.abandon();
      return;
    }

    this.#subs ??= new Map();
    this.#subs.set(key, { resolved, echo, tag, initial: ref === this.options.initial });
    metrics.subscriptions(1);

    // Streams this socket already read through another subscription are reported where they stand.
    const live = joins.includes(undefined) ? this.#liveStates(resolved) : undefined;
    const states = resolved.streams.map((stream, i) => {
      const j = joins[i];
      return j ? { stream, epoch: j.epoch, offset: j.offset, history: def.history } : (live?.[i] as StreamState);
    });
    const recovered = since === undefined ? undefined : joins.every((j) => j?.recovered !== false);
    this.sendFrame(this.codec.subscribed(echo, resolved.key, states, recovered, id));
    if (def.onSubscribe?.greeting) this.#greet(resolved, tag, def.onSubscribe.greeting.event);
    await Promise.all(joins.map((j) => j?.commit()));
  }

  #unsubscribe(ref: ChannelRef, id: RequestId | undefined): void {
    const resolved = this.deps.catalog.resolve(ref, this.identity);
    const key = resolved.ok ? subscriptionKey(resolved.key, ref) : undefined;
    const sub = key === undefined ? undefined : this.#subs?.get(key);
    if (sub && key !== undefined) this.#removeSubscription(key, sub);
    this.sendFrame(this.codec.unsubscribed(echoOf(ref), undefined, id));
  }

  /** The connection's only subscription (path streams) was refused: nothing is left to serve. */
  #initialRefused(ref: ChannelRef, code: number, reason: string): void {
    if (ref === this.options.initial) this.close(code, reason);
  }

  async #perform(ref: ChannelRef, action: string, data: unknown, id: RequestId): Promise<void> {
    const { catalog, metrics, limits } = this.deps;
    const resolved = catalog.resolve(ref, this.identity);
    const sub = resolved.ok ? this.#subs?.get(subscriptionKey(resolved.key, ref)) : undefined;
    if (!resolved.ok || !sub) return this.sendFrame(this.codec.replyError(id, 'not_subscribed', 'subscribe to the channel before performing actions on it'));
    const spec = resolved.def.actions?.[action];
    if (!spec) return this.sendFrame(this.codec.replyError(id, 'unknown_action', `${resolved.def.name} has no action ${action}`));
    const problem = validateActionData(spec, data);
    if (problem) return this.sendFrame(this.codec.replyError(id, 'invalid_data', problem));

    if (spec.mode === 'broadcast') {
      const perSec = limits.broadcastActionsPerSec;
      this.#broadcastBucket ??= new TokenBucket(perSec, perSec * 2);
      if (!this.#broadcastBucket.take()) {
        metrics.actions('error');
        return this.sendFrame(this.codec.replyError(id, 'rate_limited', `at most ${perSec} ${action} per second`));
      }
      const envelope = encodeEnvelope({
        event: spec.event ?? action,
        payloadJson: JSON.stringify({ ...(data as object), user_id: this.identity.userId }),
        timestamp: new Date().toISOString(),
      });
      let delivered = 0;
      for (const stream of resolved.streams) {
        const delivery = { stream, offset: 0, prevOffset: 0, epoch: this.deps.epoch(), data: envelope, publishedAt: Date.now() };
        delivered += this.deps.hub.publishEphemeral(stream, delivery, {
          dialect: this.dialect,
          tag: sub.tag,
          publishExceptSelf: (topic, frame) => this.#socket?.publish(topic, frame),
        });
      }
      metrics.actions('ok');
      return this.sendFrame(this.codec.reply(id, { delivered }));
    }

    try {
      const result = await withTimeout(
        this.deps.actions.dispatch({ identity: this.identity, channel: resolved.def.name, params: resolved.params, action, data, connectionId: this.id }),
        limits.actionTimeoutMs,
        () => new ActionError('action_failed', `no answer within ${limits.actionTimeoutMs} ms`),
      );
      metrics.actions('ok');
      this.sendFrame(this.codec.reply(id, result));
    } catch (err) {
      metrics.actions('error');
      const e = err instanceof ActionError ? err : new ActionError('action_failed', 'the action failed');
      if (!(err instanceof ActionError)) this.deps.log.warn('action failed', { connection: this.id, action, error: err });
      this.sendFrame(this.codec.replyError(id, e.code, e.message));
    }
  }

  /** A method Herald does not implement, forwarded with the caller's identity; no `id` = nobody waits for the answer. */
  async #call(method: string, params: unknown, id: RequestId | undefined): Promise<void> {
    const { rpc, limits } = this.deps;
    if (!rpc) {
      if (id !== undefined) this.sendFrame(this.codec.replyError(id, -32601, `method not found: ${method}`));
      return;
    }
    try {
      const result = await withTimeout(
        Promise.resolve(rpc.call({ identity: this.identity, method, params, connectionId: this.id })),
        limits.actionTimeoutMs,
        () => new RpcError(-32000, `no answer from the backend within ${limits.actionTimeoutMs} ms`),
      );
      if (id !== undefined) this.sendFrame(this.codec.reply(id, result));
    } catch (err) {
      const e = err instanceof RpcError ? err : new RpcError(-32603, 'internal error');
      if (!(err instanceof RpcError)) this.deps.log.warn('rpc call failed', { connection: this.id, method, error: err });
      if (id !== undefined) this.sendFrame(this.codec.replyError(id, e.code, e.message, e.data));
    }
  }

  async #refresh(token: string, id: RequestId | undefined): Promise<void> {
    let next: Identity;
    try {
      next = await this.deps.verifier.verify(token);
    } catch (err) {
      const reason = err instanceof AuthError ? err.reason : 'invalid_token';
      return this.sendFrame(this.codec.error('refresh_failed', `token refused: ${reason}`, id));
    }
    if (this.isClosed) return;
    if (next.userId !== this.identity.userId || next.accountId !== this.identity.accountId) {
      return this.sendFrame(this.codec.error('refresh_failed', 'the new token belongs to another user or account', id));
    }
    this.identity = next;
    this.deps.expiry.schedule(this, next.expiresAt);
    this.sendFrame(this.codec.refreshed(next.expiresAt, id));
  }

  async #authorize(resolved: Resolved): Promise<Decision> {
    const { authorizer, limits } = this.deps;
    try {
      return await withTimeout(
        authorizer.check({ identity: this.identity, channel: resolved.def.name, params: resolved.params }),
        limits.authzTimeoutMs,
        () => new Error('authz timed out'),
      );
    } catch (err) {
      this.deps.log.warn('authorization unavailable', { connection: this.id, channel: resolved.def.name, error: err });
      return { allow: false, retryable: true, reason: 'authorization service unavailable, retry later' };
    }
  }

  /** `sub` is the subscription under `key`: both callers looked it up just before. */
  #removeSubscription(key: string, sub: Subscription): void {
    this.#subs?.delete(key);
    this.deps.metrics.subscriptions(-1);
    for (const stream of sub.resolved.streams) {
      if (this.#reads(stream, sub.tag)) continue; // another subscription of this lane still needs it
      this.deps.hub.leave(stream, this, (topic) => this.#socket?.unsubscribe(topic), sub.tag);
    }
  }

  /** Whether one of the connection's subscriptions reads `stream` in lane `tag`. */
  #reads(stream: string, tag: string): boolean {
    for (const sub of this.#subs?.values() ?? []) if (sub.tag === tag && sub.resolved.streams.includes(stream)) return true;
    return false;
  }

  /** Subscriptions that count against the limit (automatic channels do not); at most the limit, so counting is cheap. */
  #limitedCount(): number {
    let n = 0;
    for (const sub of this.#subs?.values() ?? []) if (!sub.resolved.def.automatic) n++;
    return n;
  }

  #liveStates(resolved: Resolved): StreamState[] {
    return resolved.streams.map((stream) => {
      const pos = this.deps.hub.position(stream);
      return { stream, epoch: pos.epoch, offset: pos.head, history: resolved.def.history };
    });
  }

  /** A synthetic, unstored event right after `subscribed` (e.g. `connection_established`). */
  #greet(resolved: Resolved, tag: string, event: string): void {
    const envelope = encodeEnvelope({
      event,
      payloadJson: JSON.stringify({ channel: resolved.def.name, params: resolved.params, connection_id: this.id }),
      timestamp: new Date().toISOString(),
    });
    const stream = resolved.streams[0] as string;
    const encode = this.codec.events.forStream(stream, undefined, tag);
    this.sendFrame(encode({ stream, offset: 0, prevOffset: 0, epoch: '', data: envelope, publishedAt: Date.now() }));
  }
}

/** Shared by every echo of a subscribe without params. */
const NO_PARAMS: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * The ref as the client sent it, for the frames that answer it. A subscription keeps its echo, so
 * it reuses the catalog's copy of the channel name and one empty params object where it can,
 * rather than the strings and objects parsed from the client's frame.
 */
function echoOf(ref: ChannelRef, channelName?: string): RefEcho {
  const id = ref.identifier === undefined ? {} : { identifier: ref.identifier };
  if ('channelId' in ref) return { channelId: ref.channelId, ...id };
  const channel = ref.channel === channelName ? channelName : ref.channel;
  return { channel, params: isEmpty(ref.params) ? NO_PARAMS : ref.params, ...id };
}

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

/** WebSocket "try again later": a refusal that is not the client's fault (authz or history unavailable). */
const TRY_AGAIN_LATER = 1013;

function sinceFor(since: SincePosition | undefined, stream: string): { epoch: string; offset: number } | undefined {
  if (!since) return undefined;
  if (since.offset !== undefined) return { epoch: since.epoch, offset: since.offset };
  const o = since.streams?.[stream];
  // A stream the client has no position for: it has seen nothing, so start from the beginning.
  return { epoch: since.epoch, offset: o ?? 0 };
}
