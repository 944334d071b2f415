/**
 * Channel-id JSON dialect (`/api/ws`): clients subscribe with
 * `{"type":"subscribe","channelId":"agent:x"}` and get events as
 * `{"type":"<event>","payload":{…}}`. Client frames are the native command
 * language (so `channel`/`params`, `since`, `perform` work too); only the
 * server frames differ.
 */
import type { ChannelRef, ErrorCode, RequestId } from './native.js';

const idPart = (id: RequestId | undefined): string => (id === undefined ? '' : `,"id":${JSON.stringify(id)}`);
const refPart = (ref: ChannelRef): string =>
  'channelId' in ref ? `"channelId":${JSON.stringify(ref.channelId)}` : `"channel":${JSON.stringify(ref.channel)},"params":${JSON.stringify(ref.params)}`;

export const channelIdFrames = {
  subscribed(ref: ChannelRef, recovered: boolean | undefined, id?: RequestId): string {
    return `{"type":"subscribed",${refPart(ref)}${recovered === undefined ? '' : `,"recovered":${recovered}`}${idPart(id)}}`;
  },
  /** A refused subscription is an `error` naming the channel. */
  rejected(ref: ChannelRef, reason: string, message: string, retryable: boolean, id?: RequestId): string {
    return `{"type":"error",${refPart(ref)},"code":${JSON.stringify(reason)},"message":${JSON.stringify(message)},"retryable":${retryable}${idPart(id)}}`;
  },
  unsubscribed(ref: ChannelRef, reason: string | undefined, id?: RequestId): string {
    return `{"type":"unsubscribed",${refPart(ref)}${reason === undefined ? '' : `,"reason":${JSON.stringify(reason)}`}${idPart(id)}}`;
  },
  error(code: ErrorCode | number, message: string, id?: RequestId): string {
    return `{"type":"error","code":${JSON.stringify(code)},"message":${JSON.stringify(message)}${idPart(id)}}`;
  },
  /** `{"type":"agent.spawned","payload":…}`: the event name is escaped once per message. */
  event(eventJson: string, payloadJson: string): string {
    return `{"type":${eventJson},"payload":${payloadJson}}`;
  },
};
