import type { ReplyOutcome, ServerFrame } from './wire.js';

interface Pending {
  readonly holder: string;
  readonly reqId: string;
  readonly frame: Record<string, unknown>;
  readonly timer: ReturnType<typeof setTimeout>;
}

/**
 * perform() on the socket owner's side: queued while the socket is down, sent with a wire id
 * once it is open, answered by `reply` (or an `error` frame naming the id). A request in flight
 * when the socket drops fails with `disconnected`: it may or may not have run, so it is not re-sent.
 */
export class Performs {
  #queued: Pending[] = [];
  readonly #inflight = new Map<string, Pending>();
  #seq = 0;

  constructor(
    private readonly timeoutMs: number,
    private readonly send: (frame: object) => boolean,
    private readonly sink: { reply(holder: string, reqId: string, outcome: ReplyOutcome): void },
  ) {}

  add(holder: string, reqId: string, frame: Record<string, unknown>, open: boolean): void {
    // The requester times out on its own; this timer only keeps an unanswered request from staying here.
    const p: Pending = { holder, reqId, frame, timer: setTimeout(() => this.forget(holder, reqId), this.timeoutMs) };
    if (open) this.#send(p);
    else this.#queued.push(p);
  }

  flush(): void {
    for (const p of this.#queued.splice(0)) this.#send(p);
  }

  /** A `reply` or `error` frame: true if it answered one of ours. */
  answer(frame: ServerFrame): boolean {
    const p = typeof frame.id === 'string' ? this.#inflight.get(frame.id) : undefined;
    if (!p) return false;
    this.#inflight.delete(frame.id as string);
    clearTimeout(p.timer);
    const err = (frame.type === 'error' ? frame : frame['error']) as { code?: unknown; message?: unknown } | undefined;
    const outcome: ReplyOutcome = err ? { error: { code: String(err.code ?? 'error'), message: String(err.message ?? '') } } : { result: frame['result'] };
    this.sink.reply(p.holder, p.reqId, outcome);
    return true;
  }

  lost(): void {
    for (const p of this.#inflight.values()) {
      clearTimeout(p.timer);
      this.sink.reply(p.holder, p.reqId, { error: { code: 'disconnected', message: 'the connection closed before the reply arrived' } });
    }
    this.#inflight.clear();
  }

  forget(holder: string, reqId: string): void {
    this.#remove((p) => p.holder === holder && p.reqId === reqId);
  }

  dropHolder(holder: string): void {
    this.#remove((p) => p.holder === holder);
  }

  clear(): void {
    this.#remove(() => true);
  }

  #send(p: Pending): void {
    const id = `act-${++this.#seq}`;
    if (this.send({ ...p.frame, id })) this.#inflight.set(id, p);
    else this.#queued.push(p);
  }

  #remove(match: (p: Pending) => boolean): void {
    for (const p of this.#queued.filter(match)) clearTimeout(p.timer);
    this.#queued = this.#queued.filter((p) => !match(p));
    for (const [id, p] of this.#inflight) {
      if (!match(p)) continue;
      clearTimeout(p.timer);
      this.#inflight.delete(id);
    }
  }
}
