import { eventFrame, jsonRpcFrames, parseJsonRpcFrame, rpcCode } from '@herald/protocol';
import type { SessionCodec } from '../codec.js';

const { result, error, notification, echo } = jsonRpcFrames;

/** JSON-RPC 2.0 (`/rpc`): Herald's commands are methods, events and notices are notifications. */
export const jsonRpcCodec: SessionCodec = {
  name: 'jsonrpc',
  events: {
    name: 'jsonrpc',
    topic: (stream) => `r|${stream}`,
    forStream(stream, epoch) {
      const head = `{"jsonrpc":"2.0","method":"event","params":{"stream":${JSON.stringify(stream)}`;
      const stored = epoch === undefined ? head : `${head},"epoch":${JSON.stringify(epoch)}`;
      return (d) => eventFrame(d.offset > 0 ? stored : head, d.offset, d.data, '}');
    },
  },
  parse: parseJsonRpcFrame,
  welcome: (connectionId, heartbeat, expiresAt, limitsJson) =>
    notification('welcome', `{"connectionId":${JSON.stringify(connectionId)},"heartbeat":${heartbeat},"expiresAt":${expiresAt ?? null},"limits":${limitsJson}}`),
  subscribed(ref, key, streams, recovered, id) {
    const body = JSON.stringify({ ...echo(ref), key, streams, ...(recovered === undefined ? {} : { recovered }) });
    return id === undefined ? notification('subscribed', body) : result(id, body);
  },
  rejected(ref, reason, message, retryable, id) {
    const data = { reason, retryable, ...echo(ref) };
    // A notification gets no response (the spec): a refused subscribe without an id is a notification too.
    return id === undefined ? notification('rejected', JSON.stringify({ ...data, message })) : error(id, rpcCode(reason), message, data);
  },
  unsubscribed(ref, reason, id) {
    if (id !== undefined && reason === undefined) return result(id, JSON.stringify({ unsubscribed: true, ...echo(ref) }));
    return notification('unsubscribed', JSON.stringify({ ...echo(ref), ...(reason === undefined ? {} : { reason }) }));
  },
  reply: (id, value) => result(id, JSON.stringify(value ?? null)),
  replyError: (id, code, message, data) => error(id, rpcCode(code), message, typeof code === 'number' ? data : { reason: code }),
  pong: (id) => (id === undefined ? undefined : result(id, '"pong"')),
  refreshed: (expiresAt, id) => (id === undefined ? undefined : result(id, JSON.stringify({ expiresAt: expiresAt ?? null }))),
  // Errors on requests without an id (notifications) still answer, with `id: null`, as the spec asks for parse errors.
  error: (code, message, id) => error(id, rpcCode(code), message),
  disconnect: (reason, reconnect, _code, retryAfterMs) => notification('disconnect', JSON.stringify({ reason, reconnect, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) })),
};
