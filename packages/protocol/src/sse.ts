import type { RefEcho, StreamState } from './native.js';

/**
 * Server-Sent Events (`GET /sse`): one subscription per HTTP response, named by
 * the query string; the server writes `text/event-stream` frames and reads
 * nothing. Event frames splice the stored envelope into `data:` unchanged:
 *
 * ```
 * id: <epoch>:<offset>
 * event: <the envelope's event name>
 * data: <the stored envelope JSON>
 *
 * ```
 *
 * The `id` is what browsers send back as `Last-Event-ID` when they reconnect,
 * so a reconnect resumes exactly after the last event seen. Live-only events
 * (offset 0) carry no `id` line: the browser keeps the previous one.
 */

/** Reconnect delay the server suggests to EventSource clients (the `retry:` field), ms. */
export const SSE_RETRY_MS = 2000;

/** The first bytes of every accepted stream. */
export const sseOpenFrame = (retryMs: number = SSE_RETRY_MS): string => `retry: ${retryMs}\n\n`;

/** A comment line: keeps proxies and load balancers from timing the response out; clients ignore it. */
export const SSE_KEEPALIVE = ': ping\n\n';

/**
 * The smallest thing that can be written between two events (an empty comment line): written
 * when the socket turns writable again, so the transport flushes what it buffered.
 */
export const SSE_NUDGE = ':\n';

/**
 * A `data:` field for `text`. SSE fields end at a line break, so text spanning lines becomes one
 * `data:` line per line (the client joins them with `\n`). JSON strings cannot hold raw line breaks:
 * only whitespace between tokens is affected, and `\r\n` arrives as `\n` (same JSON value).
 */
export function sseData(text: string): string {
  if (!text.includes('\n') && !text.includes('\r')) return `data: ${text}\n`;
  return `data: ${text.split(/\r\n|\r|\n/).join('\ndata: ')}\n`;
}

/** `id: <epoch>:` — computed once per stream and epoch; the offset is appended per event. */
export const sseIdPrefix = (epoch: string): string => `id: ${epoch}:`;

/** One event frame; `idPrefix` undefined (or offset 0) for live-only events, which have no id. */
export function sseEventFrame(idPrefix: string | undefined, offset: number, event: string, envelope: string): string {
  const id = idPrefix !== undefined && offset > 0 ? `${idPrefix}${offset}\n` : '';
  return `${id}event: ${sseEventName(event)}\n${sseData(envelope)}\n`;
}

/** Event names are validated at publish time; anything with a line break (a producer bypassing the API) becomes `message`. */
const sseEventName = (event: string): string => (event === '' || /[\r\n]/.test(event) ? 'message' : event);

const echo = (ref: RefEcho): Record<string, unknown> => ('channelId' in ref ? { channelId: ref.channelId } : { channel: ref.channel, params: ref.params });

export interface SseError {
  readonly reason: string;
  readonly message: string;
  readonly retryable: boolean;
}

const ERROR_HEAD = 'event: error\n';

export const sseFrames = {
  /**
   * `event: subscribed`. When every stream keeps history the frame carries an `id` (the newest
   * offset the client stands at), so a browser that reconnects before any event still resumes.
   */
  subscribed(ref: RefEcho, key: string, streams: readonly StreamState[], recovered: boolean | undefined): string {
    const body = JSON.stringify({ ...echo(ref), key, streams, ...(recovered === undefined ? {} : { recovered }) });
    let id = '';
    if (streams.length > 0 && streams.every((s) => s.history)) {
      const offset = Math.max(...streams.map((s) => s.offset));
      id = `id: ${(streams[0] as StreamState).epoch}:${offset}\n`;
    }
    return `${id}event: subscribed\n${sseData(body)}\n`;
  },
  /** The subscription was refused. As the first frame of a response, the edge answers with an HTTP status instead. */
  error(reason: string, message: string, retryable: boolean): string {
    return `${ERROR_HEAD}${sseData(JSON.stringify({ reason, message, retryable }))}\n`;
  },
  /** Access to the subscription was withdrawn (`reason`, e.g. `forbidden`); the stream ends right after. */
  unsubscribed(ref: RefEcho, reason: string): string {
    return `event: unsubscribed\n${sseData(JSON.stringify({ ...echo(ref), reason }))}\n`;
  },
  /** Sent before the server ends the stream; `reconnect: false` means the client should `close()` its EventSource. */
  /** With a retry hint, the `retry:` field makes EventSource itself wait that long before reconnecting. */
  disconnect(reason: string, reconnect: boolean, retryAfterMs?: number): string {
    // `event:` first, so the frame is recognisable by its start (isSseDisconnect); field order within an event is free.
    const retry = retryAfterMs === undefined ? '' : `retry: ${retryAfterMs}\n`;
    return `event: disconnect\n${retry}${sseData(JSON.stringify({ reason, reconnect, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }))}\n`;
  },
};

/** Whether `frame` is an `event: disconnect` frame. */
export const isSseDisconnect = (frame: string): boolean => frame.startsWith('event: disconnect\n');

/** The refusal an `event: error` frame carries, or undefined for any other frame. */
export function readSseError(frame: string): SseError | undefined {
  if (!frame.startsWith(ERROR_HEAD)) return undefined;
  const data = frame
    .slice(ERROR_HEAD.length)
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => l.slice(6))
    .join('\n');
  try {
    const v = JSON.parse(data) as Partial<SseError>;
    return { reason: String(v.reason ?? 'refused'), message: String(v.message ?? ''), retryable: v.retryable === true };
  } catch {
    return undefined;
  }
}

/** A resume position read from `Last-Event-ID` (or `?lastEventId=`). */
export interface SseResume {
  readonly epoch: string;
  readonly offset: number;
}

/**
 * Parse a `Last-Event-ID`: `<epoch>:<offset>`, or a bare offset meaning `currentEpoch`. Empty
 * means no resume (undefined); anything else unreadable returns an error message (answer 400).
 */
export function parseLastEventId(value: string, currentEpoch: string): SseResume | undefined | string {
  const v = value.trim();
  if (v === '') return undefined;
  const sep = v.lastIndexOf(':');
  const epoch = sep < 0 ? currentEpoch : v.slice(0, sep);
  const offsetText = sep < 0 ? v : v.slice(sep + 1);
  const problem = 'Last-Event-ID must be <epoch>:<offset> or an offset';
  if (!/^\d{1,16}$/.test(offsetText)) return problem;
  const offset = Number(offsetText);
  if (!Number.isSafeInteger(offset)) return problem;
  // eslint-disable-next-line no-control-regex
  if (epoch === '' || epoch.length > 64 || /[\s\u0000-\u001f\u007f]/.test(epoch)) return problem;
  return { epoch, offset };
}
