/** The frames of Herald's native protocol (`herald.v1.json`) this client sends and reads; see docs/protocol.md. */
import type { ChannelRef, Params } from './types.js';

export const SUBPROTOCOL = 'herald.v1.json';

/** A subscription as it goes on the wire: params always present for channels. */
export type WireRef = { readonly channel: string; readonly params: Params } | { readonly channelId: string };

export interface Position {
  readonly epoch: string;
  readonly offset: number;
}

export interface StreamInfo {
  readonly stream: string;
  readonly epoch: string;
  readonly offset: number;
  readonly history: boolean;
}

/** What a `subscribed` frame tells the tabs holding the key. `recovered` is present only for resumes. */
export interface SubscribedInfo {
  readonly streams: readonly StreamInfo[];
  readonly recovered?: boolean;
}

export interface EventFrame {
  readonly type: 'event';
  readonly stream: string;
  readonly epoch?: string;
  readonly offset?: number;
  readonly event: unknown;
}

export interface Welcome {
  readonly type: 'welcome';
  readonly connectionId?: string;
  /** Suggested ping interval, seconds. */
  readonly heartbeat?: number;
  /** Token expiry (ms since the epoch), or null. */
  readonly expiresAt?: number | null;
}

/** Any server frame; fields are read defensively. */
export type ServerFrame = { readonly type?: unknown; readonly id?: unknown; readonly [field: string]: unknown };

export type ReplyOutcome = { readonly result: unknown } | { readonly error: { readonly code: string; readonly message: string } };

export function toWireRef(ref: ChannelRef): WireRef {
  return 'channelId' in ref ? { channelId: ref.channelId } : { channel: ref.channel, params: ref.params ?? {} };
}

/** Routes a server echo (`rejected`, `unsubscribed`) back to its key. */
export function refOfFrame(frame: ServerFrame): WireRef | undefined {
  if (typeof frame['channelId'] === 'string') return { channelId: frame['channelId'] };
  if (typeof frame['channel'] === 'string') return { channel: frame['channel'], params: (frame['params'] ?? {}) as Params };
  return undefined;
}

export function isPosition(v: unknown): v is Position {
  return typeof v === 'object' && v !== null && typeof (v as Position).epoch === 'string' && Number.isSafeInteger((v as Position).offset);
}

export function streamsOf(frame: ServerFrame): StreamInfo[] {
  const raw = Array.isArray(frame['streams']) ? (frame['streams'] as unknown[]) : [];
  return raw.filter((s): s is StreamInfo => typeof s === 'object' && s !== null && typeof (s as StreamInfo).stream === 'string');
}
