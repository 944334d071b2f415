export * from './close-codes.js';
export * from './native.js';
export * from './envelope.js';
export { rawMembers } from './json-raw.js';
