import type { ChannelRef, ErrorCode, ParseResult, RefEcho, RequestId, StreamState } from '@herald/protocol';
import type { StreamEncoder } from './ports.js';

/** A server frame, or undefined where the dialect has nothing to say (ActionCable does not confirm unsubscribes). */
export type Frame = string | undefined;

/**
 * A dialect: how client frames are read and server frames written. The
 * session core is the same for all dialects; only the codec differs.
 */
export interface SessionCodec {
  readonly name: string;
  readonly events: StreamEncoder;
  /**
   * A subscribe for a subscription that is live or still being set up is dropped without an
   * answer (the ActionCable client re-sends it every 500 ms until confirmed); otherwise it is
   * answered with `subscribed` again.
   */
  readonly confirmsOnce?: boolean;
  parse(text: string): ParseResult;
  /** `limitsJson`: the advertised limits, encoded once per edge. */
  welcome(connectionId: string, heartbeatSec: number, expiresAt: number | undefined, limitsJson: string): Frame;
  subscribed(ref: RefEcho, key: string, streams: readonly StreamState[], recovered: boolean | undefined, id?: RequestId): Frame;
  rejected(ref: ChannelRef, reason: string, message: string, retryable: boolean, id?: RequestId): Frame;
  unsubscribed(ref: RefEcho, reason: string | undefined, id?: RequestId): Frame;
  reply(id: RequestId, result: unknown): Frame;
  /** A failed request; numeric codes come from backends answering forwarded JSON-RPC methods. */
  replyError(id: RequestId, code: ErrorCode | number, message: string, data?: unknown): Frame;
  pong(id?: RequestId): Frame;
  refreshed(expiresAt: number | undefined, id?: RequestId): Frame;
  error(code: ErrorCode, message: string, id?: RequestId): Frame;
  /** Sent before the server closes with `code`; `retryAfterMs` is the server's reconnect hint, if any. */
  disconnect(reason: string, reconnect: boolean, code: number, retryAfterMs?: number): Frame;
}

export { nativeCodec } from './codecs/native.js';
export { actionCableCodec } from './codecs/actioncable.js';
export { channelIdCodec } from './codecs/channel-id.js';
export { pathStreamCodec } from './codecs/path-stream.js';
export { jsonRpcCodec } from './codecs/jsonrpc.js';
export { sseCodec, SSE_TOPIC_PREFIX } from './codecs/sse.js';
