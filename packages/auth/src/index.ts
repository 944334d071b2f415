export * from './identity.js';
export * from './errors.js';
export * from './claims.js';
export * from './verifier.js';
export * from './extract.js';
export * from './dev-token.js';
export * from './wire.js';
