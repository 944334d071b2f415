import { LocalAuthorizer, MemoryOwnershipStore } from '@herald/authz';
import { MemoryBus } from '@herald/bus';
import { createCatalog } from '@herald/channels';
import type { EdgeConfig } from '@herald/config';
import { MemoryControlPlane } from '@herald/control';
import { renderConsolePage } from '@herald/console';
import { registerConversationHandlers, startDemoProducers } from '@herald/demo';
import { BusProducer } from '@herald/producer';
import { LocalActions, LocalRpc } from '@herald/session';
import { createEdgeMetrics, type Logger } from '@herald/telemetry';
import { createEdgeVerifier, developmentTokens } from './compose.js';
import { EdgeServer } from './server.js';

export interface Embedded {
  readonly server: EdgeServer;
  readonly producer: BusProducer;
  readonly owners: MemoryOwnershipStore;
  readonly actions: LocalActions;
  readonly rpc: LocalRpc;
  readonly bus: MemoryBus;
  readonly control: MemoryControlPlane;
  stop(): Promise<void>;
}

/**
 * Embedded mode: edge, authorization and (optionally) demo producers in one
 * process on an in-memory bus. Same session core and catalog as the cluster.
 */
export async function startEmbedded(config: EdgeConfig, log: Logger, shared: { readonly bus?: MemoryBus } = {}): Promise<Embedded> {
  const catalog = createCatalog();
  const metrics = createEdgeMetrics();
  // A bus passed in outlives this edge (a test restarting the edge the way a pod restarts on NATS).
  const bus = shared.bus ?? new MemoryBus({ limits: config.history });
  const owners = new MemoryOwnershipStore();
  const authorizer = new LocalAuthorizer((name) => catalog.get(name)?.rule, owners);
  const verifier = await createEdgeVerifier(config);
  const control = new MemoryControlPlane({ defaultTtlMs: config.revocationTtlMs });
  const producer = new BusProducer(bus, catalog, owners, (history) => metrics.published(history));
  // The reference backend for AiConversationChannel.send_message runs in process.
  const actions = new LocalActions();
  const conversations = registerConversationHandlers(actions, producer, { log: (msg, fields) => log.warn(msg, fields as Record<string, unknown>) });
  const rpc = new LocalRpc();

  const devTokens = developmentTokens(config, log);
  const demo = config.demo.enabled
    ? startDemoProducers(producer, { accountId: config.demo.accountId, intervalMs: config.demo.intervalMs, log: (msg: string, fields?: object) => log.warn(msg, fields as Record<string, unknown>) })
    : undefined;
  const defaults = demo?.resources.subscriptions ?? [{ channel: 'AiOrchestrationChannel', params: { type: 'account', id: config.demo.accountId } }];
  const server = await EdgeServer.start({
    config,
    catalog,
    bus,
    owners,
    authorizer,
    verifier,
    actions,
    rpc,
    publisher: producer,
    metrics,
    log,
    ...(config.console ? { consoleHtml: renderConsolePage({ defaults }) } : {}),
    control,
    // Ownership changes re-check the subscriptions they may affect.
    accessChanges: (listener) => owners.onChange((c) => listener({ resource_type: c.resourceType, resource_id: c.resourceId })),
    ...(devTokens ? { devTokens } : {}),
  });
  log.info('herald embedded mode listening', { port: server.port, demo: config.demo.enabled, console: config.console });

  return {
    server,
    producer,
    owners,
    actions,
    rpc,
    bus,
    control,
    async stop() {
      await demo?.stop();
      await server.close();
      await conversations.drain();
      await control.close();
      if (!shared.bus) await bus.close();
    },
  };
}
