export * from './subjects.js';
export * from './wire.js';
export * from './invalidations.js';
export * from './kv-ownership.js';
export * from './service.js';
export * from './client.js';
export * from './cache.js';
