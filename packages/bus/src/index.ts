export * from './types.js';
export { MemoryBus, DEFAULT_HISTORY } from './memory.js';
export * from './subjects.js';
export * from './nats/index.js';
export * from './backend-requests.js';
