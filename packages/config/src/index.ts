export * from './env.js';
export * from './edge.js';
