export * from './types.js';
export { BusProducer, buildEnvelope } from './local.js';
