export * from './rules.js';
export * from './ownership.js';
export * from './authorizer.js';
export * from './invalidation.js';
export * from './nats/index.js';
