import { ACTIONCABLE_SUBPROTOCOL, actionCableFrames, NATIVE_SUBPROTOCOL } from '@herald/protocol';
import { actionCableCodec, channelIdCodec, jsonRpcCodec, nativeCodec, pathStreamCodec, type SessionCodec } from '@herald/session';

/** A WebSocket dialect as served: where, with which codec, and what differs at upgrade and open. */
export interface Dialect {
  readonly codec: SessionCodec;
  /** uWS route pattern. */
  readonly route: string;
  /** The subprotocol selected when the client offers it; clients offering others are refused. Undefined: none is selected. */
  readonly subprotocol?: string;
  /** Subscribe the inbox on open (the native client resumes it with `?inbox=manual` instead). */
  readonly automatic: boolean;
  /** The URL path names the connection's one subscription (path streams). */
  readonly pathIsSubscription?: boolean;
  /**
   * Token problems are told in-band after the upgrade instead of with HTTP 401: the ActionCable
   * client reconnects forever after a failed upgrade, but stops on `disconnect` with reconnect false.
   */
  readonly refusal?: () => string;
  /** An application-level heartbeat: one timer and one topic publish per process, not a loop over sockets. */
  readonly heartbeat?: { readonly topic: string; readonly intervalMs: number; frame(): string };
}

/**
 * Every dialect, in hub order: a session's `dialect` number is its index here,
 * and the hub's encoders are these codecs' event encoders in the same order.
 */
export const DIALECTS: readonly Dialect[] = [
  { codec: nativeCodec, route: '/ws', subprotocol: NATIVE_SUBPROTOCOL, automatic: true },
  {
    codec: actionCableCodec,
    route: '/cable',
    subprotocol: ACTIONCABLE_SUBPROTOCOL,
    automatic: false,
    refusal: () => actionCableFrames.disconnect('unauthorized', false),
    // The client counts a connection stale after 6 s without a ping (2 missed).
    heartbeat: { topic: 'a|ping', intervalMs: 3000, frame: () => actionCableFrames.ping(Math.floor(Date.now() / 1000)) },
  },
  { codec: channelIdCodec, route: '/api/ws', automatic: false },
  { codec: pathStreamCodec, route: '/ws/*', automatic: false, pathIsSubscription: true },
  { codec: jsonRpcCodec, route: '/rpc', automatic: false },
];
