import { connect, type NatsConnection } from '@nats-io/transport-node';

export interface NatsConnectOptions {
  /** One URL or several (comma-separated or a list): the client fails over between them. */
  readonly servers: string | readonly string[];
  /** Shows in the server's connection list (`herald-edge-<host>`). */
  readonly name: string;
  readonly token?: string | undefined;
  readonly user?: string | undefined;
  readonly pass?: string | undefined;
}

/**
 * A NATS connection that never gives up reconnecting: a pod outliving a NATS
 * outage is better than a crash loop, and readiness reports the outage.
 * Request errors carry no caller stack: Herald's callers name what failed (see whenJetStreamReady).
 */
export function connectNats(options: NatsConnectOptions): Promise<NatsConnection> {
  const servers = typeof options.servers === 'string' ? options.servers.split(',').map((s) => s.trim()).filter(Boolean) : [...options.servers];
  return connect({
    servers,
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    reconnectJitter: 100,
    pingInterval: 10_000,
    waitOnFirstConnect: false,
    // With async traces every request captures a stack trace for an error it almost never
    // throws (two per JetStream call): 3-4% of a cluster edge's CPU in a connect storm.
    noAsyncTraces: true,
    ...(options.token ? { token: options.token } : {}),
    ...(options.user ? { user: options.user, pass: options.pass ?? '' } : {}),
  });
}
