export * from './identity.js';
export * from './errors.js';
