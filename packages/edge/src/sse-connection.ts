import { CloseCode, isSseDisconnect, readSseError, SSE_KEEPALIVE, SSE_NUDGE, sseOpenFrame, type SseError } from '@herald/protocol';
import type { SessionSocket } from '@herald/session';
import type { HttpResponse } from 'uWebSockets.js';
import { respondJson, type Reply } from './http.js';

/**
 * One SSE response as a session socket, and the registry that fans SSE topics
 * out to responses (uWS topics only reach WebSockets).
 */

/** A WebSocket "going away": the client ended the response (closed the tab, `EventSource.close()`). */
const CLIENT_GONE = 1001;

function statusForClose(code: number): number {
  switch (code) {
    case CloseCode.BadRequest:
      return 400;
    case CloseCode.Unauthorized:
      return 401;
    case CloseCode.Forbidden:
      return 403;
    default:
      return 503; // draining, limits, try again later
  }
}

/**
 * The topics SSE responses read. uWS topics only reach WebSockets, so the hub's fan-out hands
 * SSE topics (`s|<stream>`) to this registry instead; one frame string serves every response.
 */
export class SseTopics {
  readonly #topics = new Map<string, Set<SseConnection>>();
  readonly #open = new Set<SseConnection>();

  get size(): number {
    return this.#open.size;
  }

  add(conn: SseConnection): void {
    this.#open.add(conn);
  }

  /** The response is over: forget it everywhere. */
  remove(conn: SseConnection): void {
    this.#open.delete(conn);
    for (const topic of conn.topics) this.unsubscribe(topic, conn);
  }

  subscribe(topic: string, conn: SseConnection): boolean {
    let set = this.#topics.get(topic);
    if (!set) this.#topics.set(topic, (set = new Set()));
    if (set.has(conn)) return false;
    set.add(conn);
    conn.topics.add(topic);
    return true;
  }

  unsubscribe(topic: string, conn: SseConnection): boolean {
    const set = this.#topics.get(topic);
    conn.topics.delete(topic);
    if (!set?.delete(conn)) return false;
    if (set.size === 0) this.#topics.delete(topic);
    return true;
  }

  /** Write `frame` to every response on `topic` except `except`; false when nobody reads it. */
  publish(topic: string, frame: string, except?: SseConnection): boolean {
    const set = this.#topics.get(topic);
    if (!set) return false;
    for (const conn of set) if (conn !== except) conn.deliver(frame);
    return true;
  }

  /** One timer for every response: a comment line to each idle one. */
  keepAlive(): void {
    for (const conn of this.#open) conn.keepAlive();
  }
}

type State = 'pending' | 'streaming' | 'done';

export interface SseConnectionOptions {
  readonly maxBackpressureBytes: number;
  /** Extra response headers (CORS), on the stream and on refusals alike. */
  readonly headers: Readonly<Record<string, string>>;
  /** Called once, when the response ends or is aborted, with a WebSocket-style close code. */
  readonly onClosed: (code: number) => void;
  /** The response fell behind (a fan-out frame was dropped): close the session as too slow. */
  readonly onClose: (code: number, reason: string) => void;
}

/**
 * A `SessionSocket` over a uWS HttpResponse. Headers are written lazily with
 * the first frame: when that frame refuses the subscription, the request is
 * answered with an HTTP status and JSON instead of a stream. `send` returns
 * 0 (written), 1 (buffered: backpressure) or 2 (dropped: over the
 * backpressure limit), as uWS sockets do.
 *
 * Buffered bytes: uWS buffers everything a chunked `write` could not send and
 * `getWriteOffset()` does not move for chunked writes, so the count is the
 * bytes written since the first write that reported backpressure; a write that
 * succeeds again means the buffer drained. When the socket turns writable an
 * empty comment line is written to flush the buffer: with `onWritable`
 * registered, uWS can leave buffered chunks unsent until the next write (seen
 * with writes made outside uWS callbacks, as NATS deliveries are); without it,
 * uWS drains by itself but then arms a 10 s timeout that ends the response.
 */
export class SseConnection implements SessionSocket {
  /** Topics this response is on (kept by SseTopics). */
  readonly topics = new Set<string>();
  #state: State = 'pending';
  #buffered = 0;
  #released = false;
  readonly #res: HttpResponse;

  constructor(
    private readonly reply: Reply,
    private readonly registry: SseTopics,
    private readonly options: SseConnectionOptions,
  ) {
    this.#res = reply.res;
    reply.onAbort = () => this.#finish(CLIENT_GONE);
    registry.add(this);
  }

  get state(): State {
    return this.#state;
  }

  send(message: string): number {
    if (this.#state === 'done' || this.reply.aborted) return 0;
    if (this.#state === 'pending') {
      const refusal = readSseError(message);
      if (refusal) {
        this.#refuse(refusal);
        return 0;
      }
      // Closed before anything was said (drain, revocation while authorizing): `end` answers with a status.
      if (isSseDisconnect(message)) return 0;
      return this.#start(message);
    }
    return this.#write(message);
  }

  /** A frame from the hub's fan-out (not through the session): a drop closes the session as too slow. */
  deliver(frame: string): void {
    if (this.send(frame) === 2) queueMicrotask(() => this.options.onClose(CloseCode.TooSlow, 'too_slow'));
  }

  keepAlive(): void {
    // A response that is still buffering is not idle; onWritable flushes it.
    if (this.#state === 'streaming' && this.#buffered === 0 && !this.reply.aborted) this.#write(SSE_KEEPALIVE);
  }

  end(code?: number, shortMessage?: string): void {
    const closeCode = code ?? CloseCode.Normal;
    if (this.#state === 'pending' && !this.reply.aborted) {
      const status = statusForClose(closeCode);
      const reason = shortMessage ?? 'closed';
      respondJson(this.reply, status, { error: reason, reason, message: `the stream was closed before it started (${reason})`, reconnect: closeCode !== CloseCode.Forbidden && closeCode !== CloseCode.BadRequest }, this.options.headers);
    } else if (this.#state === 'streaming' && !this.reply.aborted) {
      this.reply.aborted = true; // nothing touches the response after its end
      // The connection goes too: a client that comes back (EventSource does) opens a new request, maybe elsewhere.
      this.#res.cork(() => this.#res.end(undefined, true));
    }
    this.#finish(closeCode);
  }

  subscribe(topic: string): boolean {
    return this.#state !== 'done' && this.registry.subscribe(topic, this);
  }

  unsubscribe(topic: string): boolean {
    return this.registry.unsubscribe(topic, this);
  }

  publish(topic: string, message: string): boolean {
    return this.registry.publish(topic, message, this);
  }

  getBufferedAmount(): number {
    return this.#buffered;
  }

  /** The first frame is a go: 200, the event-stream headers, the retry hint, then the frame. */
  #start(first: string): number {
    this.#state = 'streaming';
    const res = this.#res;
    res.onWritable(() => this.#flush());
    let ok = true;
    res.cork(() => {
      res.writeStatus('200 OK').writeHeader('Content-Type', 'text/event-stream').writeHeader('Cache-Control', 'no-store').writeHeader('X-Accel-Buffering', 'no');
      for (const [k, v] of Object.entries(this.options.headers)) res.writeHeader(k, v);
      ok = res.write(sseOpenFrame() + first);
    });
    if (ok) return 0;
    this.#buffered += Buffer.byteLength(first);
    return 1;
  }

  #write(frame: string): number {
    if (this.#buffered > 0 && this.#buffered + Buffer.byteLength(frame) > this.options.maxBackpressureBytes) return 2;
    let ok = true;
    this.#res.cork(() => {
      ok = this.#res.write(frame);
    });
    if (ok) {
      this.#buffered = 0;
      return 0;
    }
    this.#buffered += Buffer.byteLength(frame);
    return this.#buffered > this.options.maxBackpressureBytes ? 2 : 1;
  }

  /** Writable again: a write makes uWS send what it buffered; true once everything went out. */
  #flush(): boolean {
    if (this.#state !== 'streaming' || this.reply.aborted) return true;
    let ok = true;
    this.#res.cork(() => {
      ok = this.#res.write(SSE_NUDGE);
    });
    if (ok) this.#buffered = 0;
    return ok;
  }

  /** The first frame refused the subscription: answer with an HTTP status; the session closes the rest. */
  #refuse(e: SseError): void {
    const status = e.retryable ? 503 : e.reason === 'forbidden' ? 403 : e.reason === 'unknown_channel' ? 404 : 400;
    respondJson(this.reply, status, { error: e.reason, reason: e.reason, message: e.message, retryable: e.retryable }, this.options.headers);
    this.#state = 'done';
    this.registry.remove(this);
  }

  #finish(code: number): void {
    this.#state = 'done';
    this.registry.remove(this);
    if (this.#released) return;
    this.#released = true;
    this.options.onClosed(code);
  }
}

/** The HTTP status for a session closed before its stream started. */
