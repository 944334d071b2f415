import type { Delivery } from '@herald/bus';

/**
 * The slice of a WebSocket the session core needs. uWebSockets.js sockets
 * satisfy it as they are, so the core holds the socket directly (no adapter
 * object per connection); tests can pass anything with the same shape.
 */
export interface SessionSocket {
  send(message: string, isBinary?: boolean, compress?: boolean): number;
  end(code?: number, shortMessage?: string): void;
  subscribe(topic: string): boolean;
  unsubscribe(topic: string): boolean;
  /** Publish to a topic's other subscribers (uWS excludes the sending socket). */
  publish(topic: string, message: string, isBinary?: boolean, compress?: boolean): boolean;
  getBufferedAmount(): number;
}

/** Process-wide fan-out (uWS `app.publish`): one call reaches every socket subscribed to the topic. */
export interface Fanout {
  publish(topic: string, frame: string): void;
}

/** One dialect's way of turning deliveries into frames, once per message. */
export interface StreamEncoder {
  /** Topic a socket of this dialect subscribes to for `stream`. */
  topic(stream: string): string;
  /** Per-stream encoder; called once per stream and epoch, so prefixes can be precomputed. */
  forStream(stream: string, epoch: string | undefined): (delivery: Delivery) => string;
}

/** What the hub needs from one connection. */
export interface HubMember {
  readonly dialect: number;
  /** True once the socket closed: the hub must not touch it. */
  readonly isClosed: boolean;
  sendFrame(frame: string): void;
  subscribeTopic(topic: string): void;
}

export interface Clock {
  now(): number;
}
