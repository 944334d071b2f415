import type { Identity } from '@herald/auth';
import type { Invalidation } from '@herald/authz';
import type { Catalog } from '@herald/channels';
import { revocationMatches, type Revocation } from '@herald/control';
import { CloseCode } from '@herald/protocol';
import { ExpiryWheel, Session, SSE_TOPIC_PREFIX, sseCodec, StreamHub, type SessionDeps, type SessionOptions, type SessionSocket } from '@herald/session';
import type { TemplatedApp, us_listen_socket, WebSocket } from 'uWebSockets.js';
import { affectedSubscriptions } from './access.js';
import { registerApi } from './api.js';
import type { EdgeContext, EdgeDeps } from './context.js';
import { DIALECTS, type Dialect } from './dialects.js';
import { handleUpgrade, type DialectEndpoint } from './upgrade.js';
import { loadUws } from './uws.js';
import { registerSse, SSE_INDEX, SseTopics, type SseHost } from './sse.js';
import { runWarmup, type WarmupResult } from './warmup.js';

/** uWS copies the user data's own properties into its socket object, so the session travels in a field. */
interface SocketData {
  readonly session?: Session;
  /** Set instead of a session on a socket accepted only to be told its token was refused. */
  readonly refusal?: string;
}

/**
 * One edge process: a uWS app serving the WebSocket dialects and the HTTP
 * API, sessions for its sockets, and a hub holding one bus subscription per
 * stream.
 */
export class EdgeServer implements EdgeContext, SseHost {
  readonly app: TemplatedApp;
  readonly hub: StreamHub;
  /** SSE responses by hub topic (uWS topics only reach WebSockets). */
  readonly sseTopics = new SseTopics();
  readonly #sessions = new Set<Session>();
  readonly #sessionDeps: SessionDeps;
  readonly #expiry: ExpiryWheel<Session>;
  readonly #sweep: NodeJS.Timeout;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #unlisten: (() => void)[] = [];
  readonly #listen: us_listen_socket[] = [];
  #port = 0;
  #draining = false;

  private constructor(readonly deps: EdgeDeps) {
    const uWS = loadUws();
    const { config, log, metrics } = deps;
    this.app = uWS.App();
    this.hub = new StreamHub({
      bus: deps.bus,
      // SSE topics go to the SSE registry, every other topic to uWS.
      fanout: {
        publish: (topic, frame) => void (topic.startsWith(SSE_TOPIC_PREFIX) ? this.sseTopics.publish(topic, frame) : this.app.publish(topic, frame, false, false)),
      },
      // The SSE codec is last: its index is SSE_INDEX (= DIALECTS.length).
      encoders: [...DIALECTS.map((d) => d.codec.events), sseCodec.events],
      metrics,
      onError: (msg, fields) => log.warn(msg, fields),
    });
    this.#expiry = new ExpiryWheel<Session>((s) => s.expire());
    this.#sessionDeps = {
      catalog: deps.catalog,
      authorizer: deps.authorizer,
      hub: this.hub,
      verifier: deps.verifier,
      actions: deps.actions,
      rpc: deps.rpc,
      limits: config.limits,
      metrics,
      expiry: this.#expiry,
      log,
      epoch: () => deps.bus.epoch(),
    };

    for (const [index, dialect] of DIALECTS.entries()) this.#serve(index, dialect);
    // Before the API: it ends with a catch-all route.
    this.#unlisten.push(registerSse(this.app, this));
    registerApi(this.app, this);

    // Slow consumers: close at half the hard limit with 4009 so they resume elsewhere. Once a second,
    // not per message; the hard limit above is the safety net between sweeps.
    this.#sweep = setInterval(() => this.#closeSlowConsumers(), 1000);
    this.#sweep.unref();
    this.#unlisten.push(deps.control.onRevoke((r) => this.closeRevoked(r)));
    this.#unlisten.push(deps.accessChanges((change) => void this.revalidate(change)));
  }

  /** One dialect's WebSocket route. */
  #serve(index: number, dialect: Dialect): void {
    const uWS = loadUws();
    const { limits } = this.deps.config;
    const endpoint: DialectEndpoint = {
      dialect,
      createSession: (id: string, identity: Identity, options: SessionOptions): SocketData => ({
        session: new Session(this.#sessionDeps, dialect.codec, index, id, identity, options),
      }),
      refused: (reason: string): SocketData => ({ refusal: reason }),
    };
    this.app.ws<SocketData>(dialect.route, {
      compression: uWS.DISABLED,
      // Frames above our limit are answered with 4008 by the session; uWS only stops absurd ones (1009).
      maxPayloadLength: Math.min(limits.maxFrameBytes * 4, 64 * 1024 * 1024),
      maxBackpressure: limits.maxBackpressureBytes,
      // Past the hard limit uWS would otherwise drop frames silently; closing makes the client resume instead.
      closeOnBackpressureLimit: 1,
      idleTimeout: limits.idleTimeoutSec,
      sendPingsAutomatically: true,
      upgrade: (res, req, context) => handleUpgrade(this, endpoint, res, req, context),
      open: (ws: WebSocket<SocketData>) => {
        const data = ws.getUserData();
        if (data.session) return this.#opened(ws, data.session, dialect);
        // In-band refusal: say why the way this dialect's clients understand, then close.
        ws.send(dialect.refusal?.() ?? '');
        ws.end(CloseCode.Unauthorized, data.refusal ?? 'unauthorized');
      },
      message: (ws: WebSocket<SocketData>, message, isBinary) => ws.getUserData().session?.receive(message, isBinary),
      close: (ws: WebSocket<SocketData>, code) => {
        const session = ws.getUserData().session;
        if (session) this.#closed(session, code);
      },
    });
    if (dialect.heartbeat) {
      const { topic, intervalMs, frame } = dialect.heartbeat;
      const timer = setInterval(() => void this.app.publish(topic, frame(), false, false), intervalMs);
      timer.unref();
      this.#timers.push(timer);
    }
  }

  /** The edge, listening; after its warm-up (warmup.ts) when `config.warmupConnects` asks for one. */
  static async start(deps: EdgeDeps): Promise<EdgeServer> {
    const server = new EdgeServer(deps);
    if (deps.config.warmupConnects > 0) await server.#warmUp(deps.config.warmupConnects);
    await server.#listenOn(deps.config.host, deps.config.port, deps.config.listenSockets);
    return server;
  }

  /** Connects to itself on a loopback-only port before listening publicly; see warmup.ts. */
  async #warmUp(planned: number): Promise<void> {
    const { config, log, metrics, verifier } = this.deps;
    // A round holds its sockets until the last has subscribed: past HERALD_MAX_CONNECTIONS the edge would refuse them.
    const count = config.limits.maxConnections > 0 ? Math.min(planned, config.limits.maxConnections) : planned;
    const listen = await listenOnce(this.app, '127.0.0.1', 0, Listen.Exclusive);
    const admission = verifier.admitWarmup();
    let result: WarmupResult;
    try {
      result = await runWarmup({
        url: `ws://127.0.0.1:${loadUws().us_socket_local_port(listen)}/ws`,
        count,
        channels: warmupChannels(this.deps.catalog),
        admission,
        // After each round: once the edge has run the close handlers of its sockets, forget what they counted.
        settled: async () => {
          await this.#allClosed(5_000);
          for (const s of [...this.#sessions]) s.close(CloseCode.Draining, 'warm-up over');
          await this.#allClosed(1_000);
          metrics.resetConnectionCounters();
        },
      });
    } finally {
      loadUws().us_listen_socket_close(listen);
      admission.end();
    }
    if (result.error !== undefined) log.warn('warm-up stopped early; the edge starts colder (its first connects are slower)', { ...result, planned: count });
    else log.info('warmed up', { ...result });
  }

  get port(): number {
    return this.#port;
  }
  get draining(): boolean {
    return this.#draining;
  }
  get connectionCount(): number {
    return this.#sessions.size;
  }
  sessions(): Iterable<Session> {
    return this.#sessions;
  }

  /**
   * Stop taking connections (readyz turns 503), then close every socket with
   * 4010 spread over the drain window so clients reconnect elsewhere without a
   * thundering herd.
   */
  async drain(windowMs = this.deps.config.drainMs): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    const sessions = [...this.#sessions];
    this.deps.log.info('draining', { connections: sessions.length, windowMs });
    const batches = Math.max(1, Math.min(sessions.length, Math.ceil(windowMs / 50)));
    const perBatch = Math.ceil(sessions.length / batches);
    for (let i = 0; i < sessions.length; i += perBatch) {
      for (const s of sessions.slice(i, i + perBatch)) s.close(CloseCode.Draining, 'draining');
      if (i + perBatch < sessions.length) await sleep(windowMs / batches);
    }
  }

  /** Close every socket a revocation applies to with 4003; returns how many. */
  closeRevoked(r: Revocation): number {
    let closed = 0;
    for (const s of this.#sessions) {
      if (!revocationMatches(r, s.identity)) continue;
      s.close(CloseCode.Forbidden, 'revoked');
      closed++;
    }
    if (closed) this.deps.log.info('closed revoked connections', { kind: r.kind, closed, reason: r.reason });
    return closed;
  }

  /** Access changed somewhere: re-check the subscriptions it may affect, on every local socket. */
  async revalidate(change: Invalidation): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const s of this.#sessions) pending.push(s.revalidate(affectedSubscriptions(change, s.identity)));
    await Promise.all(pending);
  }

  /** Close the listener and every socket now. */
  async close(): Promise<void> {
    clearInterval(this.#sweep);
    for (const t of this.#timers.splice(0)) clearInterval(t);
    for (const off of this.#unlisten.splice(0)) off();
    this.#expiry.stop();
    for (const socket of this.#listen.splice(0)) loadUws().us_listen_socket_close(socket);
    this.#draining = true;
    for (const s of [...this.#sessions]) s.close(CloseCode.Draining, 'shutting_down');
  }

  /** SSE (sse.ts): a response's session, registered like a socket's so revocation, drain, expiry and metrics apply. */
  attachSse(connectionId: string, identity: Identity, options: SessionOptions, socket: SessionSocket): Session {
    const session = new Session(this.#sessionDeps, sseCodec, SSE_INDEX, connectionId, identity, options);
    this.#sessions.add(session);
    this.deps.metrics.connectionOpened(session.codec.name);
    session.open(socket);
    return session;
  }

  /** SSE (sse.ts): the response ended or was aborted. */
  detachSse(session: Session, code: number): void {
    this.#closed(session, code);
  }

  async #allClosed(withinMs: number): Promise<void> {
    for (let waited = 0; this.#sessions.size > 0 && waited < withinMs; waited += 10) await sleep(10);
  }

  #opened(ws: WebSocket<SocketData>, session: Session, dialect: Dialect): void {
    this.#sessions.add(session);
    this.deps.metrics.connectionOpened(session.codec.name);
    if (dialect.heartbeat) ws.subscribe(dialect.heartbeat.topic);
    session.open(ws);
  }

  #closed(session: Session, code: number): void {
    if (!this.#sessions.delete(session)) return;
    session.closed();
    this.deps.metrics.connectionClosed(session.codec.name, code);
    this.deps.log.debug('connection closed', { connection: session.id, code });
  }

  #closeSlowConsumers(): void {
    const soft = this.deps.config.limits.maxBackpressureBytes / 2;
    for (const s of this.#sessions) {
      if (s.bufferedAmount() > soft) {
        this.deps.log.info('closing slow consumer', { connection: s.id, buffered: s.bufferedAmount() });
        s.close(CloseCode.TooSlow, 'too_slow');
      }
    }
  }

  /**
   * Binds the port exclusively first, so a port another process holds fails loudly instead of
   * being shared; then, for more than one listen socket, rebinds it as a SO_REUSEPORT group owned
   * by this process. Each socket has its own accept queue of 512 (fixed in uSockets): a group of
   * four absorbs a burst of 2,048 connects between two turns of the loop where one socket would
   * drop the excess SYNs into the clients' 1 s / 3 s retransmits.
   */
  async #listenOn(host: string, port: number, count: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const probe = await listenOnce(this.app, host, port, Listen.Exclusive);
      this.#port = loadUws().us_socket_local_port(probe);
      if (count === 1) {
        this.#listen.push(probe);
        return;
      }
      loadUws().us_listen_socket_close(probe);
      try {
        for (let i = 0; i < count; i++) this.#listen.push(await listenOnce(this.app, host, this.#port, Listen.ReusePort));
        return;
      } catch (err) {
        for (const socket of this.#listen.splice(0)) loadUws().us_listen_socket_close(socket);
        // Port 0 picked a free port, which another process may take before the group binds it: pick again.
        if (port !== 0 || attempt === 3) throw err;
      }
    }
  }
}

/**
 * The channels the warm-up subscribes: those a token alone opens (named, every param filled from
 * the identity), which real clients subscribe without knowing any id; the Inbox is one of them.
 */
function warmupChannels(catalog: Catalog): string[] {
  return catalog
    .list()
    .filter((def) => def.kind === 'named' && Object.values(def.params.fields).every((field) => field.fromIdentity !== undefined))
    .map((def) => def.name);
}

/** uSockets listen options (LIBUS_LISTEN_DEFAULT, LIBUS_LISTEN_EXCLUSIVE_PORT): SO_REUSEPORT unless exclusive. */
const Listen = { ReusePort: 0, Exclusive: 1 } as const;
type Listen = (typeof Listen)[keyof typeof Listen];

function listenOnce(app: TemplatedApp, host: string, port: number, options: Listen): Promise<us_listen_socket> {
  // The typings only declare (port, options, cb); the native listen also takes (host, port, options, cb).
  const listen = app.listen as unknown as (h: string, p: number, o: number, cb: (t: us_listen_socket | false) => void) => void;
  return new Promise((resolve, reject) => {
    listen.call(app, host, port, options, (socket) => (socket ? resolve(socket) : reject(new Error(`cannot listen on ${host}:${port} (in use or not permitted)`))));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
