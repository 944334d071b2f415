/**
 * @herald/react: React bindings for @herald/client.
 * `<HeraldProvider client>` once; then `useChannel` (a handler per event), `useStream` (the latest event as state)
 * and `useHerald` (status, perform). Many components may subscribe to one channel: the client shares one server subscription.
 */
export { HeraldProvider, useHerald, useHeraldClient, useHeraldStatus, type HeraldApi, type HeraldProviderProps } from './context.js';
export { useChannel, type ChannelState, type MessageHandler, type UseChannelOptions } from './use-channel.js';
export { useStream, type StreamState, type UseStreamOptions } from './use-stream.js';
export { refKey } from './key.js';
export { stableJson } from '@herald/client';
export { createStore, type Store } from './store.js';
