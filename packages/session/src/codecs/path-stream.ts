import { parsePathStreamFrame, pathStreamFrames } from '@herald/protocol';
import { reframe } from './reframe.js';
import type { SessionCodec } from '../codec.js';

/** Path streams (`/ws/agents/{id}`…): one subscription per socket, named by the URL; events are flat objects. */
export const pathStreamCodec: SessionCodec = {
  name: 'path',
  events: {
    name: 'path',
    topic: (stream) => `p|${stream}`,
    forStream: () => reframe(pathStreamFrames.event),
  },
  parse: parsePathStreamFrame,
  welcome: () => undefined,
  subscribed: () => undefined,
  // The socket closes right after (the path was its only subscription): say why first.
  rejected: (_ref, reason, message) => pathStreamFrames.error(reason, message),
  unsubscribed: (_ref, reason) => (reason === undefined ? undefined : pathStreamFrames.error(reason, 'access to this stream was revoked')),
  reply: () => undefined,
  replyError: () => undefined,
  pong: () => pathStreamFrames.pong(),
  refreshed: () => undefined,
  error: (code, message) => pathStreamFrames.error(code, message),
  disconnect: pathStreamFrames.disconnect,
};
