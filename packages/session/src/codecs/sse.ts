import { envelopeParts, sseEventFrame, sseFrames, sseIdPrefix } from '@herald/protocol';
import type { SessionCodec } from '../codec.js';

/** Hub topics of SSE responses start with this; the edge routes them to its SSE registry, not to uWS. */
export const SSE_TOPIC_PREFIX = 's|';

/**
 * Server-Sent Events (`GET /sse`): one subscription per response, named by the URL, so the client
 * sends nothing. Events are `id`/`event`/`data` frames with the stored envelope spliced into
 * `data:`; `subscribed`, `error` (a refusal), `unsubscribed` (access withdrawn) and `disconnect`
 * are named events. Nothing else is sent: no welcome (the first frame decides the HTTP status),
 * and pongs, replies and refresh answers have no question to answer.
 */
export const sseCodec: SessionCodec = {
  name: 'sse',
  events: {
    name: 'sse',
    topic: (stream) => `${SSE_TOPIC_PREFIX}${stream}`,
    forStream(_stream, epoch) {
      const idPrefix = epoch === undefined ? undefined : sseIdPrefix(epoch);
      return (d) => sseEventFrame(idPrefix, d.offset, envelopeParts(d.data).event, d.data);
    },
  },
  parse: () => ({ ok: false, code: 'bad_frame', message: 'SSE connections take no client frames' }),
  welcome: () => undefined,
  subscribed: (ref, key, streams, recovered) => sseFrames.subscribed(ref, key, streams, recovered),
  rejected: (_ref, reason, message, retryable) => sseFrames.error(reason, message, retryable),
  unsubscribed: (ref, reason) => (reason === undefined ? undefined : sseFrames.unsubscribed(ref, reason)),
  reply: () => undefined,
  replyError: () => undefined,
  pong: () => undefined,
  refreshed: () => undefined,
  error: () => undefined,
  disconnect: (reason, reconnect, _code, retryAfterMs) => sseFrames.disconnect(reason, reconnect, retryAfterMs),
};
