export * from './types.js';
export { BusProducer, buildEnvelope, type ChannelTarget } from './bus-producer.js';
export { connectProducer, NatsProducer, type ConnectProducerOptions } from './nats.js';
export { traceHeaders, type TraceContext } from './trace.js';
export type { ChannelName, ChannelParams } from './channels.generated.js';
