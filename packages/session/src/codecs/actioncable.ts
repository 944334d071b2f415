import { ActionCableReason, actionCableFrames, CloseCode, envelopeParts, isRawEnvelope, parseActionCableFrame } from '@herald/protocol';
import type { SessionCodec } from '../codec.js';

/**
 * ActionCable (`/cable`): frames name a subscription by the client's identifier, so the hub
 * encodes per (stream, identifier) — in practice one identifier per stream, since every client
 * of a frontend builds it the same way.
 */
export const actionCableCodec: SessionCodec = {
  name: 'actioncable',
  confirmsOnce: true,
  events: {
    name: 'actioncable',
    // NUL cannot occur in a stream name or raw in JSON text: topics of different (identifier, stream) never collide.
    topic: (stream, tag) => `a\u0000${tag}\u0000${stream}`,
    forStream(_stream, _epoch, tag) {
      const prefix = actionCableFrames.messagePrefix(tag);
      // `message` is the envelope, or for a broadcast in ActionCable's own shape, exactly what was broadcast.
      return (d) => `${prefix}${isRawEnvelope(d.data) ? envelopeParts(d.data).payloadJson : d.data}}`;
    },
  },
  parse: parseActionCableFrame,
  welcome: () => actionCableFrames.welcome(),
  subscribed: (ref) => actionCableFrames.confirm(ref.identifier ?? ''),
  rejected: (ref) => actionCableFrames.reject(ref.identifier ?? ''),
  // Rails never confirms an unsubscribe; a subscription the server drops (access revoked) is rejected.
  unsubscribed: (ref, reason) => (reason === undefined ? undefined : actionCableFrames.reject(ref.identifier ?? '')),
  // A channel action's answer is transmitted to its subscription, as Rails' `transmit` does.
  reply: (id, result) => (result === undefined || result === null ? undefined : actionCableFrames.message(String(id), JSON.stringify(result))),
  replyError: (id, code, message) => actionCableFrames.message(String(id), JSON.stringify({ event: 'error', payload: { code, message } })),
  pong: () => undefined,
  refreshed: () => undefined,
  // Rails ignores commands it cannot read (and logs them); so does Herald, at debug level.
  error: () => undefined,
  disconnect(reason, reconnect, code) {
    const railsReason =
      // Rails' `unauthorized` means "do not come back"; an expired token (4001) may reconnect with a fresh one.
      code === CloseCode.Forbidden
        ? ActionCableReason.Unauthorized
        : code === CloseCode.Draining
          ? ActionCableReason.ServerRestart
          : code === CloseCode.BadRequest
            ? ActionCableReason.InvalidRequest
            : reason;
    return actionCableFrames.disconnect(railsReason, reconnect);
  },
};
