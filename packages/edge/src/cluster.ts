import { hostname } from 'node:os';
import { CachingAuthorizer, ClaimsFirstAuthorizer, KvOwnershipStore, NatsAuthorizer, subscribeInvalidations, type Invalidation } from '@herald/authz';
import { connectNats, NatsBus } from '@herald/bus';
import { createCatalog } from '@herald/channels';
import { ConfigError, type EdgeConfig } from '@herald/config';
import { NatsControlPlane } from '@herald/control';
import { BusProducer } from '@herald/producer';
import { createEdgeMetrics, type Logger } from '@herald/telemetry';
import type { NatsConnection } from '@nats-io/transport-node';
import { createEdgeVerifier, developmentTokens } from './compose.js';
import { NatsActionDispatcher, NatsRpcDispatcher } from './nats-backend.js';
import { EdgeServer } from './server.js';

export interface ClusterEdge {
  readonly server: EdgeServer;
  readonly nc: NatsConnection;
  readonly bus: NatsBus;
  stop(): Promise<void>;
}

/**
 * Cluster mode: a stateless edge pod. History and live events come from
 * JetStream, subscription checks from the authz service (cached, dropped on
 * `herald.authz.invalidate`), ownership from KV, revocations from KV and
 * `herald.control.>`. Any pod can serve any client.
 */
export async function startClusterEdge(config: EdgeConfig, log: Logger): Promise<ClusterEdge> {
  const nats = config.nats;
  if (!nats) throw new ConfigError(['NATS_URL: required in cluster mode (e.g. nats://127.0.0.1:4222)']);
  const nc = await connectNats({ ...nats, name: `herald-edge-${hostname()}-${process.pid}` });
  let connected = true;
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') connected = false;
      if (s.type === 'reconnect') connected = true;
      if (s.type === 'disconnect' || s.type === 'reconnect') log.warn(`nats ${s.type}`, { server: 'server' in s ? s.server : undefined });
    }
  })();

  const catalog = createCatalog();
  const metrics = createEdgeMetrics();
  const bus = await NatsBus.start(nc, {
    stream: {
      name: nats.jetstream.stream,
      maxAgeMs: config.history.maxAgeMs,
      maxPerSubject: config.history.maxPerStream,
      storage: nats.jetstream.storage,
      replicas: nats.jetstream.replicas,
    },
    onError: (msg, fields) => log.warn(msg, fields),
  });
  const owners = await KvOwnershipStore.open(nc, { replicas: nats.kvReplicas });
  const remote = new NatsAuthorizer(nc, { timeoutMs: config.limits.authzTimeoutMs });
  const cache = nats.authzCacheSize > 0 ? new CachingAuthorizer(remote, { maxEntries: nats.authzCacheSize }) : undefined;
  const control = await NatsControlPlane.start(nc, { ttlMs: config.revocationTtlMs, replicas: nats.kvReplicas });
  const producer = new BusProducer(bus, catalog, owners, (history) => metrics.published(history));
  // Actions and RPC methods are answered by backends (e.g. `herald producers`) over NATS request/reply.
  const actions = new NatsActionDispatcher(nc, { timeoutMs: config.limits.actionTimeoutMs });
  const rpc = new NatsRpcDispatcher(nc, { timeoutMs: config.limits.actionTimeoutMs });

  const accessListeners = new Set<(change: Invalidation) => void>();
  const invalidations = subscribeInvalidations(nc, (inv) => {
    cache?.invalidate(inv); // first, so the re-checks below reach the authz service
    for (const l of accessListeners) l(inv);
  });
  const devTokens = developmentTokens(config, log);
  const server = await EdgeServer.start({
    config,
    catalog,
    bus,
    owners,
    authorizer: new ClaimsFirstAuthorizer((name) => catalog.get(name)?.rule, cache ?? remote),
    verifier: await createEdgeVerifier(config),
    actions,
    rpc,
    publisher: producer,
    metrics,
    log,
    control,
    accessChanges: (listener) => {
      accessListeners.add(listener);
      return () => accessListeners.delete(listener);
    },
    busConnected: () => connected,
    ...(devTokens ? { devTokens } : {}),
  });
  log.info('herald edge listening (cluster mode)', { port: server.port, nats: nats.servers, stream: bus.streamName, epoch: bus.epoch() });

  return {
    server,
    nc,
    bus,
    async stop() {
      await server.close();
      invalidations.unsubscribe();
      await control.close();
      await bus.close();
      await nc.drain().catch(() => nc.close());
    },
  };
}
