export { createHeraldClient } from './client.js';
export { HeraldError } from './errors.js';
export { fullJitter } from './backoff.js';
export { stableJson, subscriptionKey } from './stable-json.js';
export type {
  ChannelRef,
  CrossTabOptions,
  Environment,
  EventEnvelope,
  EventMeta,
  HeraldClient,
  HeraldClientOptions,
  Logger,
  Params,
  ReconnectOptions,
  Status,
  SubscribeOptions,
  SubscriptionError,
  TokenProvider,
  TokenReason,
  WebSocketConstructor,
  WebSocketLike,
} from './types.js';
