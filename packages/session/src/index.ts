export * from './ports.js';
export * from './hub.js';
export * from './codec.js';
export * from './session.js';
export * from './actions.js';
export { ExpiryWheel } from './expiry.js';
export { TokenBucket, withTimeout } from './timing.js';
