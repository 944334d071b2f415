export * from './types.js';
export * from './catalog.js';
export { stableStringify } from './stable-json.js';
export { channelDefinitions, createCatalog } from './definitions/index.js';
