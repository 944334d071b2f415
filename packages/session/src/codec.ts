import type { ChannelRef, ErrorCode, ParseResult, RefEcho, RequestId, StreamState } from '@herald/protocol';
import { nativeEventFrame, nativeEventPrefix, nativeFrames, parseNativeFrame } from '@herald/protocol';
import type { StreamEncoder } from './ports.js';

/**
 * A dialect: how client frames are read and server frames written. The
 * session core is the same for all dialects; only the codec differs.
 */
export interface SessionCodec {
  readonly name: string;
  readonly events: StreamEncoder;
  parse(text: string): ParseResult;
  welcome(connectionId: string, heartbeatSec: number, expiresAt: number | undefined, limits: object): string;
  subscribed(ref: RefEcho, key: string, streams: readonly StreamState[], recovered: boolean | undefined, id?: RequestId): string;
  rejected(ref: ChannelRef, reason: string, message: string, retryable: boolean, id?: RequestId): string;
  unsubscribed(ref: RefEcho, reason: string | undefined, id?: RequestId): string;
  reply(id: RequestId, result: unknown): string;
  replyError(id: RequestId, code: ErrorCode, message: string): string;
  pong(id?: RequestId): string;
  refreshed(expiresAt: number | undefined, id?: RequestId): string;
  error(code: ErrorCode, message: string, id?: RequestId): string;
  disconnect(reason: string, reconnect: boolean): string;
}

export const nativeCodec: SessionCodec = {
  name: 'native',
  events: {
    topic: (stream) => `n|${stream}`,
    forStream(stream, epoch) {
      const stored = nativeEventPrefix(stream, epoch);
      const live = nativeEventPrefix(stream, undefined);
      return (d) => (d.offset > 0 ? nativeEventFrame(stored, d.offset, d.data) : nativeEventFrame(live, 0, d.data));
    },
  },
  parse: parseNativeFrame,
  ...nativeFrames,
};
