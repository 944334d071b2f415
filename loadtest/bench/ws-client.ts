import { connect, type Socket } from 'node:net';
import { SeqWindow } from './seq-window.js';

export { SeqWindow };

/**
 * A deliberately small WebSocket client for load generation: the HTTP
 * upgrade by hand, frames read straight from the TCP buffers, and event
 * frames never parsed as JSON. For each event it only looks up three numbers
 * the benchmark publisher put in the payload (`"b"` stream tag, `"seq"`,
 * `"t"` publish time in µs) and the frame's `"offset"`. Control frames
 * (welcome, subscribed, rejected, errors) are rare and are parsed normally.
 */

const SEQ = Buffer.from('"seq":');
const TAG = Buffer.from('"b":');
const TIME = Buffer.from('"t":');
const OFFSET = Buffer.from('"offset":');
const E = 0x65; // 'e' of {"type":"event"
const V = 0x76; // 'v'

export interface EventSink {
  /** One event frame: stream tag, sequence, publish time (ms), offset (0 for streams without history). */
  event(client: BenchClient, tag: number, seq: number, publishedMs: number, offset: number): void;
  /** The socket closed (after open); `code` 1006 when the TCP connection just ended. */
  closed(client: BenchClient, code: number): void;
}

export type Control = Record<string, unknown> & { type?: string; id?: unknown };

export class UpgradeError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(`upgrade refused: ${status} ${reason}`);
  }
}

/**
 * All sockets of a process read into this one buffer (`onread`): no allocation
 * and no stream machinery per read, which is what a Node client spends most
 * of its time on at a hundred thousand small reads per second. Safe because
 * each read is handled synchronously before the next.
 */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

export class BenchClient {
  #socket: Socket | undefined;
  #rest: Buffer | undefined;
  #open = false;
  #closedByUs = false;
  #welcome: ((frame: Control) => void) | undefined;
  readonly #pending = new Map<unknown, (frame: Control) => void>();
  /** Per stream tag: the sequences seen, and the newest offset (Herald delivers a stream in offset order). */
  readonly seen = new Map<number, SeqWindow>();
  readonly lastOffset = new Map<number, number>();
  /** Resume position (single-stream subscriptions): newest offset seen and the stream's epoch. */
  offset = 0;
  epoch = '';
  urlIndex = 0;

  constructor(
    readonly index: number,
    readonly token: string,
    readonly sink: EventSink,
  ) {}

  /** Close code the server sent (0 if none yet). */
  get closeCode(): number {
    return this.#closeCode;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** Connects and resolves with the welcome frame; rejects with UpgradeError on a refused upgrade. */
  connect(host: string, port: number, path: string): Promise<Control> {
    this.#closedByUs = false;
    this.#rest = undefined;
    this.#closeCode = 0;
    return new Promise((resolve, reject) => {
      let head: Buffer | undefined = Buffer.alloc(0);
      let settled = false;
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        socket.destroy();
        reject(err);
      };
      this.#welcome = (frame) => {
        settled = true;
        resolve(frame);
      };
      const handshake = (chunk: Buffer): void => {
        head = Buffer.concat([head!, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        const status = Number(head.toString('latin1', 9, 12));
        if (status !== 101) {
          const reason = /"reason":"([^"]+)"/.exec(head.toString('utf8', end))?.[1] ?? `http_${status}`;
          return fail(new UpgradeError(status, reason));
        }
        const rest = head.subarray(end + 4);
        head = undefined;
        this.#open = true;
        if (rest.length > 0) this.#onData(rest);
      };
      const socket = connect({
        host,
        port,
        noDelay: true,
        onread: {
          buffer: READ_BUFFER,
          callback: (n: number): boolean => {
            const chunk = READ_BUFFER.subarray(0, n);
            if (head) handshake(chunk);
            else this.#onData(chunk);
            return true;
          },
        },
      });
      this.#socket = socket;
      socket.on('connect', () => {
        const sep = path.includes('?') ? '&' : '?';
        socket.write(
          `GET ${path}${sep}token=${this.token} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            'Sec-WebSocket-Key: aGVyYWxkLWJlbmNoLWtleQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
        );
      });
      socket.on('error', (err) => fail(err));
      socket.on('close', () => {
        const wasOpen = this.#open;
        this.#open = false;
        for (const resolvePending of this.#pending.values()) resolvePending({ type: 'closed', reason: `closed_${this.#closeCode || 1006}` });
        this.#pending.clear();
        if (!settled) fail(new UpgradeError(0, 'connection_closed'));
        else if (wasOpen && !this.#closedByUs) this.sink.closed(this, this.#closeCode || 1006);
      });
    });
  }

  #closeCode = 0;

  /** Sends a command and resolves with the reply carrying the same `id`. */
  request(frame: string, id: unknown): Promise<Control> {
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.send(frame);
    });
  }

  send(text: string): void {
    this.#write(0x1, Buffer.from(text));
  }

  close(): void {
    this.#closedByUs = true;
    this.#open = false;
    this.#socket?.destroy();
  }

  /** Client frames must be masked; an all-zero mask keeps the payload bytes as they are. */
  #write(opcode: number, payload: Buffer): void {
    const len = payload.length;
    const header = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len, 0, 0, 0, 0]) : Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 0xff, 0, 0, 0, 0]);
    this.#socket?.write(Buffer.concat([header, payload]));
  }

  #onData(chunk: Buffer): void {
    let buf = chunk;
    if (this.#rest) {
      buf = Buffer.concat([this.#rest, chunk]);
      this.#rest = undefined;
    }
    let pos = 0;
    const n = buf.length;
    while (n - pos >= 2) {
      const b0 = buf[pos]!;
      let len = buf[pos + 1]! & 0x7f;
      let hdr = 2;
      if (len === 126) {
        if (n - pos < 4) break;
        len = buf.readUInt16BE(pos + 2);
        hdr = 4;
      } else if (len === 127) {
        if (n - pos < 10) break;
        len = buf.readUInt32BE(pos + 2) * 2 ** 32 + buf.readUInt32BE(pos + 6);
        hdr = 10;
      }
      const start = pos + hdr;
      const end = start + len;
      if (end > n) break;
      const opcode = b0 & 0x0f;
      if (opcode === 0x1) this.#text(buf, start, end);
      else if (opcode === 0x9) this.#write(0xa, Buffer.from(buf.subarray(start, end)));
      else if (opcode === 0x8) {
        // The server closes (e.g. 4009 too slow): answer the close and drop the connection, as a
        // browser does. Without the answer the server waits for it and the socket never ends here.
        this.#closeCode = len >= 2 ? buf.readUInt16BE(start) : 1005;
        this.#write(0x8, Buffer.from(buf.subarray(start, Math.min(end, start + 2))));
        this.#socket?.end();
        return;
      }
      pos = end;
    }
    if (pos < n) this.#rest = Buffer.from(buf.subarray(pos)); // the read buffer is reused by the next read
  }

  #text(buf: Buffer, start: number, end: number): void {
    if (buf[start + 9] === E && buf[start + 10] === V) {
      // Each field is searched for after the previous one, in the order frames carry them:
      // `"offset"` before the envelope, then the payload's `"b"`, `"seq"`, `"t"`.
      const atOffset = find(buf, OFFSET, start, end);
      const atTag = find(buf, TAG, atOffset < 0 ? start : atOffset, end);
      const atSeq = find(buf, SEQ, atTag < 0 ? start : atTag, end);
      const atTime = find(buf, TIME, atSeq < 0 ? start : atSeq, end);
      const offset = readInt(buf, atOffset, 0);
      const tag = readInt(buf, atTag, 0);
      const seq = readInt(buf, atSeq, 0);
      const t = readInt(buf, atTime, 0);
      if (offset > this.offset) this.offset = offset;
      this.sink.event(this, tag, seq, t / 1000, offset);
      return;
    }
    const frame = JSON.parse(buf.toString('utf8', start, end)) as Control;
    if (frame.type === 'welcome' && this.#welcome) {
      const w = this.#welcome;
      this.#welcome = undefined;
      w(frame);
      return;
    }
    const waiter = this.#pending.get(frame.id);
    if (waiter) {
      this.#pending.delete(frame.id);
      waiter(frame);
    }
  }
}

/** Index just after `needle` within [start, end), or -1. */
function find(buf: Buffer, needle: Buffer, start: number, end: number): number {
  const at = buf.indexOf(needle, start);
  return at < 0 || at >= end ? -1 : at + needle.length;
}

function readInt(buf: Buffer, at: number, fallback: number): number {
  if (at < 0) return fallback;
  let v = 0;
  for (let i = at; i < buf.length; i++) {
    const c = buf[i]! - 48;
    if (c < 0 || c > 9) break;
    v = v * 10 + c;
  }
  return v;
}
