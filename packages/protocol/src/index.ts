export * from './close-codes.js';
export * from './native.js';
export * from './envelope.js';
export { rawMembers, scanMembers } from './json-raw.js';
export * from './actioncable.js';
export * from './channel-id.js';
export * from './path-stream.js';
export * from './jsonrpc.js';
export * from './sse.js';
