export { EdgeServer } from './server.js';
export { startEmbedded, type Embedded } from './embedded.js';
export type { EdgeDeps, EdgeContext, EnvelopePublisher } from './context.js';
export { loadUws } from './uws.js';
export { isOriginAllowed } from './upgrade.js';
export { startClusterEdge, type ClusterEdge } from './cluster.js';
