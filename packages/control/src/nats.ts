import type { Identity } from '@herald/auth';
import { kvKey, openKvBucket } from '@herald/bus';
import { KvWatchInclude, type KV, type KvWatchEntry } from '@nats-io/kv';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { DEFAULT_REVOCATION_TTL_MS, Listeners, type ControlPlane } from './plane.js';
import { buildRevocation, parseRevocation, RevocationList, type Revocation, type RevokeInput } from './revocation.js';

export interface NatsControlOptions {
  /** KV bucket holding revocations still in force. Default `herald_revoked`. */
  bucket?: string;
  /** Core subject prefix for the immediate fan-out. Default `herald.control`. */
  subjectPrefix?: string;
  /** Bucket TTL when the bucket is created, default 24 h; should be >= the longest token lifetime. */
  ttlMs?: number;
  /** Bucket replicas when created, default 1. */
  replicas?: number;
  /** How long `start` may take to load the existing revocations before failing. Default 30 s. */
  loadTimeoutMs?: number;
}

export const DEFAULT_CONTROL_BUCKET = 'herald_revoked';
export const DEFAULT_CONTROL_PREFIX = 'herald.control';

type Watch = Awaited<ReturnType<KV['watch']>>;
const decoder = new TextDecoder();
const LOAD_POLL_MS = 250;
const WATCH_RETRY_MS = 1000;

/**
 * Cluster mode. The KV bucket is the durable record (a pod started later
 * loads every revocation still in force); a core-NATS publish delivers each
 * revocation to running pods at once. Both paths feed one RevocationList,
 * whose dedup makes listeners fire once per revocation per pod.
 */
export class NatsControlPlane implements ControlPlane {
  readonly #nc: NatsConnection;
  readonly #kv: KV;
  readonly #subject: string;
  /** The effective TTL of the bucket: an entry (hence a revocation) cannot outlive it. */
  readonly #bucketTtlMs: number;
  readonly #list = new RevocationList();
  readonly #listeners = new Listeners();
  #sub: Subscription | undefined;
  #watch: Watch | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #lastRevision = 0;
  #malformed = 0;
  #closed = false;

  private constructor(nc: NatsConnection, kv: KV, prefix: string, bucketTtlMs: number) {
    this.#nc = nc;
    this.#kv = kv;
    this.#subject = `${prefix}.revoke`;
    this.#bucketTtlMs = bucketTtlMs;
  }

  /** Resolves once every revocation already in the bucket is loaded. */
  static async start(nc: NatsConnection, options: NatsControlOptions = {}): Promise<NatsControlPlane> {
    const ttl = options.ttlMs ?? DEFAULT_REVOCATION_TTL_MS;
    const kv = await openKvBucket(nc, options.bucket ?? DEFAULT_CONTROL_BUCKET, { ttl, history: 1, replicas: options.replicas ?? 1 });
    // An existing bucket keeps its own TTL, and that is what bounds a revocation's life.
    const status = await kv.status();
    const plane = new NatsControlPlane(nc, kv, options.subjectPrefix ?? DEFAULT_CONTROL_PREFIX, status.ttl > 0 ? status.ttl : ttl);
    try {
      await plane.#start(options.loadTimeoutMs ?? 30_000);
    } catch (err) {
      await plane.close();
      throw err;
    }
    return plane;
  }

  async revoke(input: RevokeInput): Promise<Revocation> {
    if (this.#closed) throw new Error('control plane is closed');
    const now = Date.now();
    const ttl = Math.min(input.ttlMs ?? this.#bucketTtlMs, this.#bucketTtlMs);
    const r = buildRevocation(input, now, ttl, this.#list.get(input.kind, input.value, now));
    const json = JSON.stringify(r);
    // Durable before we report success; the publish below is only the fast path.
    await this.#kv.put(kvKey(r.kind, r.value), json);
    try {
      this.#nc.publish(`${this.#subject}.${r.kind}`, json);
    } catch {
      // Other pods still get it from the KV watch.
    }
    this.#accept(r);
    return r;
  }

  check(identity: Identity): Revocation | undefined {
    return this.#list.find(identity);
  }

  onRevoke(listener: (r: Revocation) => void): () => void {
    return this.#listeners.add(listener);
  }

  /** Messages or KV entries that were not a valid revocation (ignored). */
  get malformed(): number {
    return this.#malformed;
  }

  get size(): number {
    return this.#list.size;
  }

  /** Stops the watch and subscription; the connection belongs to the caller and stays open. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    try {
      this.#sub?.unsubscribe();
    } catch {
      // Already gone with a closed connection.
    }
    this.#watch?.stop();
    this.#watch = undefined;
    this.#listeners.clear();
  }

  async #start(loadTimeoutMs: number): Promise<void> {
    this.#sub = this.#nc.subscribe(`${this.#subject}.>`, {
      callback: (err, msg) => {
        if (!err) this.#receive(msg.data);
      },
    });
    await this.#startWatch();
    await this.#initialLoad(loadTimeoutMs);
  }

  /**
   * The watch reports no "caught up" marker we can rely on when entries expire
   * mid-load, so use the stream itself: after the watch exists, every entry up
   * to the stream's last sequence S must either reach us or be gone from the
   * stream (first_seq > S: TTL removes oldest first).
   */
  async #initialLoad(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let target: number | undefined;
    for (;;) {
      const { state } = (await this.#kv.status()).streamInfo;
      if (state.messages === 0) return;
      target ??= state.last_seq;
      if (this.#lastRevision >= target || state.first_seq > target) return;
      if (this.#closed) throw new Error('control plane closed during start');
      if (Date.now() > deadline) throw new Error(`revocations not loaded from KV within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, LOAD_POLL_MS));
    }
  }

  async #startWatch(): Promise<void> {
    const resume = this.#lastRevision > 0 ? { resumeFromRevision: this.#lastRevision + 1 } : {};
    const watch = await this.#kv.watch({ include: KvWatchInclude.LastValue, ...resume });
    if (this.#closed) {
      watch.stop();
      return;
    }
    this.#watch = watch;
    void this.#consume(watch);
  }

  /** The ordered consumer survives reconnects by itself; if it still ends, start a new one where it stopped. */
  async #consume(watch: Watch): Promise<void> {
    try {
      for await (const e of watch) this.#entry(e);
    } catch {
      // Falls through to the restart below.
    }
    // A closed connection is the caller's decision: nothing to resume then.
    if (this.#closed || this.#watch !== watch || this.#nc.isClosed()) return;
    this.#watch = undefined;
    this.#scheduleWatchRetry();
  }

  #scheduleWatchRetry(): void {
    this.#retryTimer = setTimeout(() => {
      if (this.#closed || this.#nc.isClosed()) return;
      this.#startWatch().catch(() => this.#scheduleWatchRetry());
    }, WATCH_RETRY_MS);
    this.#retryTimer.unref();
  }

  #entry(e: KvWatchEntry): void {
    // Deletes count as progress too (an operator may `nats kv del` a key), so take them from the watch.
    this.#lastRevision = Math.max(this.#lastRevision, e.revision);
    if (e.operation !== 'PUT') return;
    this.#receive(e.value);
  }

  #receive(data: Uint8Array): void {
    const r = parseRevocation(decoder.decode(data));
    if (!r) {
      this.#malformed++;
      return;
    }
    this.#accept(r);
  }

  #accept(r: Revocation): void {
    if (this.#closed) return;
    if (this.#list.add(r)) this.#listeners.emit(r);
  }
}
