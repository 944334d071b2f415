import WebSocket from 'ws';

export type Frame = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export class UpgradeRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: Frame,
  ) {
    super(`upgrade refused with ${status}: ${JSON.stringify(body)}`);
  }
}

/** A native-dialect test client over a real WebSocket: records every frame and the close. */
export class TestClient {
  readonly frames: Frame[] = [];
  /** A transport or protocol error the socket hit after opening, if any. */
  error: Error | undefined;
  readonly closed: Promise<{ code: number; reason: string }>;
  #waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void; reject: (e: Error) => void }[] = [];
  #closedWith: { code: number; reason: string } | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      this.frames.push(frame);
      this.#waiters = this.#waiters.filter((w) => {
        if (!w.pred(frame)) return true;
        w.resolve(frame);
        return false;
      });
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        this.#closedWith = { code, reason: reason.toString() };
        // A frame that has not come by the close never will: say so now, with the close, instead of timing out.
        for (const w of this.#waiters.splice(0)) w.reject(this.#closedError());
        resolve(this.#closedWith);
      }),
    );
    ws.on('error', (err) => {
      this.error = err;
    });
  }

  static connect(url: string, opts: { token?: string; protocols?: string[]; headers?: Record<string, string>; origin?: string; path?: string } = {}): Promise<TestClient> {
    const u = new URL(opts.path ?? '/ws', url);
    if (opts.token) u.searchParams.set('token', opts.token);
    const ws = new WebSocket(u, opts.protocols ?? ['herald.v1.json'], { headers: opts.headers ?? {}, ...(opts.origin ? { origin: opts.origin } : {}) });
    const client = new TestClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => reject(new UpgradeRefused(res.statusCode ?? 0, body ? (JSON.parse(body) as Frame) : {})));
      });
      ws.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /**
   * The first frame (already received or future) matching `pred`. The default wait is generous: it
   * only bounds a failure, and cluster tests share two cores with the load-test smoke runs.
   */
  next(pred: (f: Frame) => boolean, timeoutMs = 10_000): Promise<Frame> {
    const seen = this.frames.find(pred);
    if (seen) return Promise.resolve(seen);
    if (this.#closedWith) return Promise.reject(this.#closedError());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames.slice(-5))}`)), timeoutMs);
      this.#waiters.push({ pred, resolve: (f) => (clearTimeout(timer), resolve(f)), reject: (e) => (clearTimeout(timer), reject(e)) });
    });
  }

  #closedError(): Error {
    const { code, reason } = this.#closedWith!;
    const error = this.error ? `, after the error "${this.error.message}"` : '';
    return new Error(`socket closed (${code}${reason ? ` ${reason}` : ''}${error}) before a matching frame; got ${JSON.stringify(this.frames.slice(-5))}`);
  }

  type(type: string, timeoutMs?: number): Promise<Frame> {
    return this.next((f) => f['type'] === type, timeoutMs);
  }

  events(stream?: string): Frame[] {
    return this.frames.filter((f) => f['type'] === 'event' && (stream === undefined || f['stream'] === stream));
  }

  async waitEvents(count: number, stream?: string, timeoutMs = 5000): Promise<Frame[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.events(stream).length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} events, got ${this.events(stream).length}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return this.events(stream);
  }

  /** Subscribe and wait for the answer (subscribed or rejected). */
  async subscribe(frame: Frame, timeoutMs?: number): Promise<Frame> {
    const id = Math.random().toString(36).slice(2);
    this.send({ type: 'subscribe', ...frame, id });
    return this.next((f) => (f['type'] === 'subscribed' || f['type'] === 'rejected') && f['id'] === id, timeoutMs);
  }

  close(): void {
    this.ws.close(1000);
  }
}
