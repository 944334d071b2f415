import { channelIdFrames, nativeFrames, parseNativeFrame } from '@herald/protocol';
import { reframe } from './reframe.js';
import type { SessionCodec } from '../codec.js';

/** Channel-id JSON (`/api/ws`): native commands, events as `{"type":"<event>","payload":…}`. */
export const channelIdCodec: SessionCodec = {
  name: 'channel-id',
  events: {
    name: 'channel-id',
    topic: (stream) => `c|${stream}`,
    forStream: () => reframe(channelIdFrames.event),
  },
  parse: parseNativeFrame,
  // The platform's clients expect no greeting; they subscribe as soon as the socket opens.
  welcome: () => undefined,
  subscribed: (ref, _key, _streams, recovered, id) => channelIdFrames.subscribed(ref, recovered, id),
  rejected: channelIdFrames.rejected,
  unsubscribed: channelIdFrames.unsubscribed,
  reply: nativeFrames.reply,
  replyError: nativeFrames.replyError,
  pong: nativeFrames.pong,
  refreshed: nativeFrames.refreshed,
  error: channelIdFrames.error,
  disconnect: nativeFrames.disconnect,
};
