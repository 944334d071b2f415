import { createInbox, Empty, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';

/** A message of the history stream, as a JetStream direct get returns it. */
export interface StoredEvent {
  readonly seq: number;
  readonly subject: string;
  /** When the stream stored it (ms since the epoch). */
  readonly storedAt: number;
  readonly header: MsgHdrs;
  readonly data: Uint8Array;
}

/** What to read: a sequence, the first message of a subject from a sequence on, or a subject's newest. */
export type DirectQuery = { readonly seq: number } | { readonly next_by_subj: string; readonly seq: number } | { readonly last_by_subj: string };

/** A direct get the server answered with an error status, or that was not answered in time. */
export class DirectGetError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
    this.name = 'DirectGetError';
  }
}

interface Pending {
  readonly resolve: (m: StoredEvent | null) => void;
  readonly reject: (err: Error) => void;
  readonly deadline: number;
}

const SWEEP_MS = 250;
const encoder = new TextEncoder();

/**
 * JetStream direct gets of one stream, answered on one inbox subscription of their own.
 *
 * An edge reads a stream's newest event for every stream it starts reading (a new user's inbox on
 * each connect), and one event per missed event when a client resumes. nats.js's `request()`
 * costs each of those a promise race, a timer, and on success an Error it rejects its already
 * settled promise with (`RequestOne.cancel`). Here a call is one Map entry; one interval
 * expires the late ones. The answers mean what nats.js's `jsm.direct.getMessage` makes of them:
 * 404 is "no such message" (null), any other status an error.
 */
export class DirectGets {
  readonly #nc: NatsConnection;
  readonly #api: string;
  readonly #timeoutMs: number;
  readonly #prefix = `${createInbox()}.`;
  readonly #pending = new Map<string, Pending>();
  readonly #sub: Subscription;
  #sweep: NodeJS.Timeout | undefined;
  #next = 0;

  constructor(nc: NatsConnection, stream: string, options: { readonly timeoutMs?: number; readonly apiPrefix?: string } = {}) {
    this.#nc = nc;
    this.#api = `${options.apiPrefix ?? '$JS.API'}.DIRECT.GET.${stream}`;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#sub = nc.subscribe(`${this.#prefix}*`, { callback: (err, m) => (err ? undefined : this.#answer(m)) });
  }

  get(query: DirectQuery): Promise<StoredEvent | null> {
    // A last_by_subj get names its subject in the request subject, with an empty body, as nats.js does
    // (so that subject permissions apply to it).
    const last = 'last_by_subj' in query;
    const subject = last ? `${this.#api}.${query.last_by_subj}` : this.#api;
    const body = last ? Empty : encoder.encode(JSON.stringify(query));
    return new Promise((resolve, reject) => {
      const token = (this.#next++).toString(36);
      this.#pending.set(token, { resolve, reject, deadline: Date.now() + this.#timeoutMs });
      // Unref'd: the NATS connection, not the sweep, is what keeps a process with gets in flight alive.
      this.#sweep ??= setInterval(() => this.#expire(), SWEEP_MS).unref();
      try {
        this.#nc.publish(subject, body, { reply: this.#prefix + token });
      } catch (err) {
        this.#pending.delete(token);
        reject(err as Error);
      }
    });
  }

  /** Fails what is still waiting and stops listening. */
  close(): void {
    this.#sub.unsubscribe();
    for (const p of this.#pending.values()) p.reject(new DirectGetError('direct get cancelled: closed', 0));
    this.#pending.clear();
    this.#stopSweep();
  }

  #answer(m: Msg): void {
    const token = m.subject.slice(this.#prefix.length);
    const p = this.#pending.get(token);
    if (!p) return; // expired meanwhile
    this.#pending.delete(token);
    const h = m.headers;
    const code = h?.code ?? 0;
    if (code === 404) return p.resolve(null);
    if (!h || code !== 0) return p.reject(new DirectGetError(`direct get failed: ${code === 503 ? 'no responders' : (h?.description.toLowerCase() ?? 'no headers')}`, code));
    const seq = Number(h.last('Nats-Sequence'));
    p.resolve({ seq: Number.isSafeInteger(seq) ? seq : 0, subject: h.last('Nats-Subject'), storedAt: Date.parse(h.last('Nats-Time-Stamp')), header: h, data: m.data });
  }

  /** Runs while gets are sent; stops at the first sweep that finds none waiting (not at each answer: a resume's gets come one after another). */
  #expire(): void {
    const now = Date.now();
    // Deadlines grow in insertion order: stop at the first that is still ahead.
    for (const [token, p] of this.#pending) {
      if (p.deadline > now) break;
      this.#pending.delete(token);
      p.reject(new DirectGetError(`direct get timed out after ${this.#timeoutMs} ms`, 408));
    }
    if (this.#pending.size === 0) this.#stopSweep();
  }

  #stopSweep(): void {
    clearInterval(this.#sweep);
    this.#sweep = undefined;
  }
}
