export * from './types.js';
export { BusProducer, buildEnvelope, type ChannelTarget } from './bus-producer.js';
export { connectProducer, NatsProducer, type ConnectProducerOptions } from './nats.js';
export { traceHeaders, type TraceContext } from './trace.js';
export type { ChannelName, ChannelParams } from './channels.generated.js';
export {
  BackendError,
  BackendServer,
  type BackendActionHandler,
  type BackendActionRequest,
  type BackendIdentity,
  type BackendRpcHandler,
  type BackendRpcRequest,
  type BackendServerOptions,
} from './backend.js';
