import type { Message, Outgoing } from './cross-tab-messages.js';
import { Engine, type EngineSink } from './engine.js';
import { TabLocks } from './tab-locks.js';
import type { Downstream, EngineConfig, Upstream } from './upstream.js';
import type { Environment, Logger, Status } from './types.js';
import type { ReplyOutcome, WireRef } from './wire.js';

export { crossTabSupported } from './tab-locks.js';

interface RelayedPerform {
  readonly ref: WireRef;
  readonly action: string;
  readonly data: unknown;
  /** The leader it went to; undefined = waiting for one. */
  sentTo: string | undefined;
}

const LIVE: readonly Status[] = ['open', 'connecting', 'reconnecting', 'offline'];

/**
 * One socket for all tabs of a user. The tab holding the Web Lock `name` is the leader: it owns
 * the engine (the socket), and the others relay subscribe/unsubscribe/perform to it over a
 * BroadcastChannel and receive events, answers and status from it. Each tab also holds a lock of
 * its own, `name:tab:<id>`, for its lifetime: a tab waiting for another's lock learns of its end
 * (closed, crashed, navigated away) without any heartbeat. When the leader goes, the next tab in
 * the lock queue leads, and every tab re-announces its keys with its positions: the new socket
 * resumes from the oldest of them, and each tab drops what it already had.
 */
export class CrossTabUpstream implements Upstream {
  readonly #id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  readonly #channel: BroadcastChannel;
  readonly #locks = new TabLocks();
  readonly #performs = new Map<string, RelayedPerform>();
  readonly #watched = new Set<string>();
  readonly #unlisten: () => void;
  #engine: Engine | undefined;
  #leader: string | undefined;
  #lastStatus: Status | undefined;
  /** Messages held until our tab lock is ours: before that, a leader watching it would think us gone. */
  #outbox: Outgoing[] | undefined = [];
  #stopped = false;

  constructor(
    private readonly name: string,
    private readonly config: EngineConfig,
    private readonly down: Downstream,
    environment: Environment,
    private readonly logger: Logger,
  ) {
    this.#channel = new BroadcastChannel(name);
    this.#channel.onmessage = (e: MessageEvent<Message>) => {
      try {
        this.#receive(e.data);
      } catch (err) {
        this.logger.warn?.('herald: unreadable cross-tab message', { error: String(err) });
      }
    };
    this.#unlisten = environment.subscribe((signal) => {
      if (signal === 'visible' && !this.#engine) this.#post({ t: 'wake' });
    });
    this.#locks.hold(this.#tabLock(this.#id), () => {
      // `join` first: the leader's answers to what we queued are only taken from the leader we know.
      this.#send({ t: 'join' });
      for (const m of this.#outbox?.splice(0) ?? []) this.#send(m);
      this.#outbox = undefined;
      this.#locks.hold(name, () => this.#lead());
    });
  }

  want(key: string, ref: WireRef): void {
    if (this.#engine) this.#engine.want(this.#id, key, ref);
    else this.#post({ t: 'want', key, ref });
  }

  drop(key: string): void {
    if (this.#engine) this.#engine.drop(this.#id, key);
    else this.#post({ t: 'drop', key });
  }

  perform(reqId: string, ref: WireRef, action: string, data: unknown): void {
    const p: RelayedPerform = { ref, action, data, sentTo: undefined };
    this.#performs.set(reqId, p);
    this.#relay(reqId, p);
  }

  forgetPerform(reqId: string): void {
    const p = this.#performs.get(reqId);
    this.#performs.delete(reqId);
    if (p?.sentTo === this.#id) this.#engine?.forgetPerform(this.#id, reqId);
    else if (p?.sentTo !== undefined) this.#post({ t: 'forget', reqId });
  }

  connect(): void {
    if (this.#engine) this.#engine.connect();
    else this.#post({ t: 'connect' });
  }

  stop(): void {
    if (this.#stopped) return;
    if (!this.#engine) this.#post({ t: 'bye' });
    this.#stopped = true; // from here on the engine's 'closed' is ours alone, not news for the other tabs
    this.#engine?.stop();
    this.#engine = undefined;
    this.#unlisten();
    this.#locks.release();
    this.#channel.close();
    this.#performs.clear();
  }

  #lead(): void {
    this.#leader = this.#id;
    const engine = new Engine(this.config, this.#sink());
    this.#engine = engine;
    // A socket closed for good (revoked) or without a token stays down in the new leader too; a live one is "reconnecting".
    if (this.#lastStatus) engine.inherit(this.#lastStatus);
    this.logger.debug?.('herald: this tab leads', { name: this.name });
    this.#post({ t: 'hello' });
    for (const a of this.down.announce()) engine.want(this.#id, a.key, a.ref, a.positions);
    this.#rehome();
  }

  #sink(): EngineSink {
    return {
      event: (keys, frame) => {
        this.down.event(keys, frame);
        this.#post({ t: 'event', keys, frame });
      },
      subscribed: (key, info, to) => {
        if (to === undefined || to === this.#id) this.down.subscribed(key, info);
        if (to !== this.#id) this.#post({ t: 'subscribed', key, info, ...(to !== undefined ? { to } : {}) });
      },
      keyError: (key, error) => {
        this.down.keyError(key, error);
        this.#post({ t: 'keyError', key, error });
      },
      reply: (holder, reqId, outcome) => {
        if (holder === this.#id) this.#replied(reqId, outcome);
        else this.#post({ t: 'reply', to: holder, reqId, outcome });
      },
      status: (status) => {
        if (this.#stopped) return;
        this.#lastStatus = status;
        this.down.status(status);
        this.#post({ t: 'status', status });
      },
    };
  }

  #receive(m: Message): void {
    if (this.#stopped || !m || typeof m !== 'object' || m.from === this.#id) return;
    if (m.t === 'event') return this.down.event(m.keys, m.frame); // from any tab: duplicates are dropped per tab
    if (this.#engine) return this.#serve(m, this.#engine);
    switch (m.t) {
      case 'hello':
        return this.#follow(m.from, true);
      case 'leader':
        return m.to === this.#id ? this.#follow(m.from, false) : undefined;
      case 'status':
        if (m.from !== this.#leader || (m.to !== undefined && m.to !== this.#id)) return;
        this.#lastStatus = m.status;
        return this.down.status(m.status);
      case 'subscribed':
        return m.from === this.#leader && (m.to === undefined || m.to === this.#id) ? this.down.subscribed(m.key, m.info) : undefined;
      case 'keyError':
        return m.from === this.#leader ? this.down.keyError(m.key, m.error) : undefined;
      case 'reply':
        return m.to === this.#id ? this.#replied(m.reqId, m.outcome) : undefined;
    }
  }

  /** Leader side: another tab's request. */
  #serve(m: Message, engine: Engine): void {
    const tab = m.from;
    if (m.t === 'join' || m.t === 'announce' || m.t === 'want' || m.t === 'perform') this.#track(tab, engine);
    switch (m.t) {
      case 'join':
        this.#post({ t: 'leader', to: tab });
        if (this.#lastStatus) this.#post({ t: 'status', status: this.#lastStatus, to: tab });
        return;
      case 'announce':
        for (const item of m.items) engine.want(tab, item.key, item.ref, new Map(item.positions));
        return;
      case 'want':
        return engine.want(tab, m.key, m.ref);
      case 'drop':
        return engine.drop(tab, m.key);
      case 'perform':
        return engine.perform(tab, m.reqId, m.ref, m.action, m.data);
      case 'forget':
        return engine.forgetPerform(tab, m.reqId);
      case 'connect':
        return engine.connect();
      case 'wake':
        return engine.wake();
      case 'bye':
        return engine.dropHolder(tab);
    }
  }

  /** Drop a tab's subscriptions and requests once its lock says it is gone. */
  #track(tab: string, engine: Engine): void {
    if (this.#watched.has(tab)) return;
    this.#watched.add(tab);
    this.#locks.watch(this.#tabLock(tab), () => {
      this.#watched.delete(tab);
      if (this.#engine === engine) engine.dropHolder(tab);
    });
  }

  #follow(leader: string, announce: boolean): void {
    if (this.#leader !== leader) {
      this.#leader = leader;
      this.#locks.watch(this.#tabLock(leader), () => {
        if (this.#leader !== leader) return;
        this.#leader = undefined;
        this.#rehome();
        if (this.#lastStatus && LIVE.includes(this.#lastStatus)) {
          this.#lastStatus = 'reconnecting';
          this.down.status('reconnecting');
        }
      });
    }
    if (announce) this.#post({ t: 'announce', items: this.down.announce().map((a) => ({ key: a.key, ref: a.ref, positions: [...a.positions] })) });
    this.#rehome();
  }

  /** After a leader change: requests the old leader had may or may not have run (fail them); waiting ones go to the new one. */
  #rehome(): void {
    for (const [reqId, p] of this.#performs) {
      if (p.sentTo === undefined) this.#relay(reqId, p);
      else if (p.sentTo !== this.#leader) this.#replied(reqId, { error: { code: 'disconnected', message: 'the tab holding the connection went away before the reply arrived' } });
    }
  }

  #relay(reqId: string, p: RelayedPerform): void {
    if (this.#leader === undefined) return;
    p.sentTo = this.#leader;
    if (this.#engine) this.#engine.perform(this.#id, reqId, p.ref, p.action, p.data);
    else this.#post({ t: 'perform', reqId, ref: p.ref, action: p.action, data: p.data });
  }

  /** Each tab holds this lock while it lives. */
  #tabLock(tab: string): string {
    return `${this.name}:tab:${tab}`;
  }

  #replied(reqId: string, outcome: ReplyOutcome): void {
    if (this.#performs.delete(reqId)) this.down.reply(reqId, outcome);
  }

  #post(m: Outgoing): void {
    if (this.#outbox) this.#outbox.push(m);
    else this.#send(m);
  }

  #send(m: Outgoing): void {
    if (this.#stopped) return;
    try {
      this.#channel.postMessage({ ...m, from: this.#id });
    } catch (err) {
      this.logger.warn?.('herald: cross-tab message failed', { type: m.t, error: String(err) });
    }
  }
}
