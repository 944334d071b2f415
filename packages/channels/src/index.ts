export * from './types.js';
export * from './catalog.js';
export { channelDefinitions, createCatalog } from './definitions/index.js';
