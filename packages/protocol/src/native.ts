/**
 * Herald native dialect (`/ws`, subprotocol `herald.v1.json`): JSON text frames.
 * Client frames are parsed here into typed commands; server frames are encoded
 * here. Event frames are built by splicing the stored envelope JSON into a
 * per-stream prefix, never by re-serializing it.
 */
export const NATIVE_SUBPROTOCOL = 'herald.v1.json';

export type RequestId = string | number;

export interface SincePosition {
  readonly epoch: string;
  /** Resume all streams of the subscription after this offset… */
  readonly offset?: number;
  /** …or per stream. */
  readonly streams?: Readonly<Record<string, number>>;
}

/**
 * Names a subscription: a channel with params, or a channel id. `identifier` is the client's own
 * name for it where the dialect has one (ActionCable): echoed byte for byte, and two identifiers
 * naming the same channel are two subscriptions.
 */
export type ChannelRef = ({ readonly channel: string; readonly params: Readonly<Record<string, unknown>> } | { readonly channelId: string }) & {
  readonly identifier?: string;
};

export type ClientCommand =
  | { readonly type: 'subscribe'; readonly ref: ChannelRef; readonly since?: SincePosition; readonly id?: RequestId }
  | { readonly type: 'unsubscribe'; readonly ref: ChannelRef; readonly id?: RequestId }
  | { readonly type: 'perform'; readonly ref: ChannelRef; readonly action: string; readonly data: unknown; readonly id: RequestId }
  | { readonly type: 'refresh'; readonly token: string; readonly id?: RequestId }
  | { readonly type: 'ping'; readonly id?: RequestId }
  /** A method Herald does not implement itself (JSON-RPC), forwarded to a backend; no `id` = no answer. */
  | { readonly type: 'call'; readonly method: string; readonly params: unknown; readonly id?: RequestId };

export type ParseResult = { readonly ok: true; readonly command: ClientCommand } | { readonly ok: false; readonly code: ErrorCode; readonly message: string; readonly id?: RequestId };

/** Codes of `error` frames and `reply.error`. */
export type ErrorCode =
  | 'bad_json'
  | 'bad_frame'
  | 'unknown_type'
  | 'not_subscribed'
  | 'unknown_action'
  | 'invalid_data'
  | 'action_failed'
  | 'no_handler'
  | 'refresh_failed'
  | 'rate_limited'
  | 'invalid_params'
  | 'internal';

type ParseFailure = Extract<ParseResult, { ok: false }>;

/** A client frame's JSON object, or the failure every dialect reports for text that is not one. */
export function readFrameObject(text: string): Record<string, unknown> | ParseFailure {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return { ok: false, code: 'bad_json', message: 'frame is not valid JSON' };
  }
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) return { ok: false, code: 'bad_frame', message: 'frame must be a JSON object' };
  return msg as Record<string, unknown>;
}

export const isParseFailure = (v: Record<string, unknown> | ParseFailure): v is ParseFailure => v['ok'] === false;

export function parseNativeFrame(text: string): ParseResult {
  const m = readFrameObject(text);
  return isParseFailure(m) ? m : nativeCommand(m);
}

/**
 * A native command from a frame's parsed object (also JSON-RPC's named params, with `type` = the method).
 * Runs once per client frame: no closures or spreads here, the helpers below are module functions.
 */
export function nativeCommand(m: Readonly<Record<string, unknown>>): ParseResult {
  const id = requestId(m['id']);
  if (m['id'] !== undefined && id === undefined) return { ok: false, code: 'bad_frame', message: 'id must be a string (≤128) or a number' };

  switch (m['type']) {
    case 'ping':
      return withId({ type: 'ping' }, id);
    case 'subscribe':
    case 'unsubscribe': {
      const ref = channelRef(m);
      if (typeof ref === 'string') return badFrame(ref, id);
      if (m['type'] === 'unsubscribe') return withId({ type: 'unsubscribe', ref }, id);
      if (m['since'] === undefined || m['since'] === null) return withId({ type: 'subscribe', ref }, id);
      const since = sincePosition(m['since']);
      if (typeof since === 'string') return badFrame(since, id);
      return withId({ type: 'subscribe', ref, since }, id);
    }
    case 'perform': {
      const ref = channelRef(m);
      if (typeof ref === 'string') return badFrame(ref, id);
      if (typeof m['action'] !== 'string' || m['action'].length === 0 || m['action'].length > 100) return badFrame('perform needs an action name', id);
      if (id === undefined) return badFrame('perform needs an id to reply to', id);
      return { ok: true, command: { type: 'perform', ref, action: m['action'], data: m['data'] ?? {}, id } };
    }
    case 'refresh':
      if (typeof m['token'] !== 'string' || m['token'].length === 0) return badFrame('refresh needs a token', id);
      return withId({ type: 'refresh', token: m['token'] }, id);
    default:
      return failure('unknown_type', `unknown frame type ${JSON.stringify(m['type'] ?? null).slice(0, 64)}`, id);
  }
}

/** A parsed command, carrying `id` only when the frame had one. `command` is fresh, so adding to it is safe. */
function withId(command: Exclude<ClientCommand, { type: 'perform' | 'call' }>, id: RequestId | undefined): ParseResult {
  if (id !== undefined) (command as { id?: RequestId }).id = id;
  return { ok: true, command };
}

/** A frame that parsed but is not a command; the error answers the frame's `id` when it had one. */
function failure(code: ErrorCode, message: string, id: RequestId | undefined): ParseResult {
  return id === undefined ? { ok: false, code, message } : { ok: false, code, message, id };
}

const badFrame = (message: string, id: RequestId | undefined): ParseResult => failure('bad_frame', message, id);

function requestId(v: unknown): RequestId | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.length <= 128) return v;
  return undefined;
}

function channelRef(m: Record<string, unknown>): ChannelRef | string {
  if (typeof m['channelId'] === 'string') return { channelId: m['channelId'] };
  if (typeof m['channel'] !== 'string') return 'frame needs a channel (with params) or a channelId';
  const params = m['params'] ?? {};
  if (params === null || typeof params !== 'object' || Array.isArray(params)) return 'params must be an object';
  return { channel: m['channel'], params: params as Record<string, unknown> };
}

function sincePosition(v: unknown): SincePosition | string {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'since must be {epoch, offset}';
  const s = v as Record<string, unknown>;
  if (typeof s['epoch'] !== 'string' || s['epoch'].length > 64) return 'since.epoch must be a string';
  if (s['offset'] !== undefined) {
    if (!isOffset(s['offset'])) return 'since.offset must be a non-negative integer';
    return { epoch: s['epoch'], offset: s['offset'] as number };
  }
  const streams = s['streams'];
  if (streams === null || typeof streams !== 'object' || Array.isArray(streams)) return 'since needs offset or streams';
  for (const o of Object.values(streams as Record<string, unknown>)) if (!isOffset(o)) return 'since.streams offsets must be non-negative integers';
  return { epoch: s['epoch'], streams: streams as Record<string, number> };
}

const isOffset = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

// ---------------------------------------------------------------- server frames

export interface StreamState {
  readonly stream: string;
  readonly epoch: string;
  /** Newest offset the client has been given (or the stream head): resume from here. */
  readonly offset: number;
  readonly history: boolean;
}

/** How a subscription is echoed back: the client's own naming (and identifier, if any). */
export type RefEcho = ChannelRef;

const idPart = (id: RequestId | undefined): string => (id === undefined ? '' : `,"id":${JSON.stringify(id)}`);
const refPart = (ref: RefEcho): string =>
  'channelId' in ref ? `"channelId":${JSON.stringify(ref.channelId)}` : `"channel":${JSON.stringify(ref.channel)},"params":${JSON.stringify(ref.params)}`;

export const nativeFrames = {
  /** `limitsJson`: the limits object already encoded (it is the same for every connection of an edge). */
  welcome(connectionId: string, heartbeatSec: number, expiresAt: number | undefined, limitsJson: string): string {
    return `{"type":"welcome","protocol":"${NATIVE_SUBPROTOCOL}","connectionId":${JSON.stringify(connectionId)},"heartbeat":${heartbeatSec},"expiresAt":${expiresAt ?? null},"limits":${limitsJson}}`;
  },
  subscribed(ref: RefEcho, key: string, streams: readonly StreamState[], recovered: boolean | undefined, id?: RequestId): string {
    const rec = recovered === undefined ? '' : `,"recovered":${recovered}`;
    return `{"type":"subscribed",${refPart(ref)},"key":${JSON.stringify(key)},"streams":${JSON.stringify(streams)}${rec}${idPart(id)}}`;
  },
  rejected(ref: ChannelRef, reason: string, message: string, retryable: boolean, id?: RequestId): string {
    const echo = 'channelId' in ref ? { channelId: ref.channelId } : { channel: ref.channel, params: ref.params };
    return JSON.stringify({ type: 'rejected', ...echo, reason, message, retryable, ...(id !== undefined ? { id } : {}) });
  },
  unsubscribed(ref: RefEcho, reason: string | undefined, id?: RequestId): string {
    const r = reason === undefined ? '' : `,"reason":${JSON.stringify(reason)}`;
    return `{"type":"unsubscribed",${refPart(ref)}${r}${idPart(id)}}`;
  },
  reply(id: RequestId, result: unknown): string {
    return `{"type":"reply","id":${JSON.stringify(id)},"result":${JSON.stringify(result ?? null)}}`;
  },
  replyError(id: RequestId, code: ErrorCode | number, message: string, data?: unknown): string {
    return JSON.stringify({ type: 'reply', id, error: { code, message, ...(data !== undefined ? { data } : {}) } });
  },
  pong(id?: RequestId): string {
    return `{"type":"pong"${idPart(id)}}`;
  },
  refreshed(expiresAt: number | undefined, id?: RequestId): string {
    return `{"type":"refreshed","expiresAt":${expiresAt ?? null}${idPart(id)}}`;
  },
  error(code: ErrorCode, message: string, id?: RequestId): string {
    return JSON.stringify({ type: 'error', code, message, ...(id !== undefined ? { id } : {}) });
  },
  disconnect(reason: string, reconnect: boolean, _code?: number, retryAfterMs?: number): string {
    return JSON.stringify({ type: 'disconnect', reason, reconnect, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
  },
};

/** Event frames of dialects that name the stream: `<prefix>,"offset":N,"event":<envelope>}` + `suffix`. */
export function eventFrame(prefix: string, offset: number, envelope: string, suffix = ''): string {
  return offset > 0 ? `${prefix},"offset":${offset},"event":${envelope}}${suffix}` : `${prefix},"event":${envelope}}${suffix}`;
}

/**
 * Event frames. The prefix depends only on the stream and epoch, so it is
 * computed once per stream; per event only the offset and the envelope are
 * appended: `{"type":"event","stream":"s","epoch":"e","offset":18,"event":<envelope>}`.
 */
export function nativeEventPrefix(stream: string, epoch: string | undefined): string {
  return epoch === undefined
    ? `{"type":"event","stream":${JSON.stringify(stream)}`
    : `{"type":"event","stream":${JSON.stringify(stream)},"epoch":${JSON.stringify(epoch)}`;
}

export function nativeEventFrame(prefix: string, offset: number, envelope: string): string {
  return eventFrame(prefix, offset, envelope);
}
