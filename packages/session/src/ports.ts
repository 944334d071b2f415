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

/**
 * One dialect's way of turning deliveries into frames, once per message. A
 * `tag` separates sockets of one dialect that need different frames for the
 * same stream (an ActionCable subscription's identifier is in every frame);
 * it is '' for the other dialects.
 */
export interface StreamEncoder {
  /** The dialect's name (metric label). */
  readonly name: string;
  /** Topic a socket of this dialect subscribes to for `stream`. */
  topic(stream: string, tag: string): string;
  /** Per-stream encoder; called once per stream, tag and epoch, so prefixes can be precomputed. */
  forStream(stream: string, epoch: string | undefined, tag: string): (delivery: Delivery) => string;
}

/** What the hub needs from one connection. */
export interface HubMember {
  /** Index of the member's dialect in the hub's encoders. */
  readonly dialect: number;
  /** True once the socket closed: the hub must not touch it. */
  readonly isClosed: boolean;
  sendFrame(frame: string): void;
  subscribeTopic(topic: string): void;
}

export interface Clock {
  now(): number;
}
