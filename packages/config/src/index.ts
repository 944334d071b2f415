export * from './env.js';
export * from './edge.js';
export * from './nats.js';
