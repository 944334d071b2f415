export { NatsBus, PUBLISHED_AT_HEADER, type NatsBusOptions } from './nats-bus.js';
export { DEFAULT_EVENTS_STREAM, ensureEventsStream, epochOf, type EventsStreamConfig } from './events-stream.js';
export { connectNats, type NatsConnectOptions } from './connect.js';
export { openKvBucket } from './kv.js';
export { DirectGets, DirectGetError, type DirectQuery, type StoredEvent } from './direct-get.js';
