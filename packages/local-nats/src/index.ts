export { freePort } from './ports.js';
export { NatsServerProcess, natsServerBinary, type NatsServerOptions } from './server.js';
export { startLocalNats, type LocalNats, type LocalNatsOptions } from './cluster.js';
