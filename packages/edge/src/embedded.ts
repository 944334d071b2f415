import { createVerifier, signDevToken } from '@herald/auth';
import { LocalAuthorizer, MemoryOwnershipStore } from '@herald/authz';
import { MemoryBus } from '@herald/bus';
import { createCatalog } from '@herald/channels';
import { DEVELOPMENT_SECRET, type EdgeConfig } from '@herald/config';
import { renderConsolePage } from '@herald/console';
import { startDemoProducers } from '@herald/demo';
import { BusProducer } from '@herald/producer';
import { LocalActions } from '@herald/session';
import { createEdgeMetrics, type Logger } from '@herald/telemetry';
import { registerConversationHandlers } from './conversation-handler.js';
import { EdgeServer } from './server.js';

export interface Embedded {
  readonly server: EdgeServer;
  readonly producer: BusProducer;
  readonly owners: MemoryOwnershipStore;
  readonly actions: LocalActions;
  readonly bus: MemoryBus;
  stop(): Promise<void>;
}

/**
 * Embedded mode: edge, authorization and (optionally) demo producers in one
 * process on an in-memory bus. Same session core and catalog as the cluster.
 */
export async function startEmbedded(config: EdgeConfig, log: Logger): Promise<Embedded> {
  const catalog = createCatalog();
  const metrics = createEdgeMetrics();
  const bus = new MemoryBus({ limits: config.history });
  const owners = new MemoryOwnershipStore();
  const authorizer = new LocalAuthorizer((name) => catalog.get(name)?.rule, owners);
  const verifier = await createVerifier({
    ...(config.auth.secret ? { secret: config.auth.secret } : {}),
    ...(config.auth.publicKeyPem ? { publicKeyPem: config.auth.publicKeyPem } : {}),
    ...(config.auth.jwksUrl ? { jwksUrl: config.auth.jwksUrl } : {}),
    ...(config.auth.algorithms ? { algorithms: config.auth.algorithms } : {}),
    ...(config.auth.issuer ? { issuer: config.auth.issuer } : {}),
    ...(config.auth.audience ? { audience: config.auth.audience } : {}),
    clockToleranceSec: config.auth.clockToleranceSec,
    claims: config.auth.claims,
  });
  const producer = new BusProducer(bus, catalog, owners, (history) => metrics.published(history));
  const actions = new LocalActions();
  registerConversationHandlers(actions, producer);

  if (config.auth.developmentSecret) {
    log.warn('DEVELOPMENT MODE: no HERALD_JWT_SECRET / HERALD_JWT_PUBLIC_KEY / HERALD_JWKS_URL set; tokens are signed with a public development secret and the HTTP API needs no key. Never expose this server.', {
      secret: DEVELOPMENT_SECRET,
    });
  }
  const dev = config.auth.developmentSecret;
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
    publisher: producer,
    metrics,
    log,
    ...(config.console ? { consoleHtml: renderConsolePage({ defaults }) } : {}),
    ...(dev
      ? {
          devTokens: async (r: { sub: string; account?: string; permissions?: string[] }) => {
            const ttlSec = 3600;
            const token = await signDevToken({ secret: DEVELOPMENT_SECRET, sub: r.sub, ...(r.account ? { account: r.account } : {}), permissions: r.permissions ?? [], ttlSec });
            return { token, expiresAt: Date.now() + ttlSec * 1000 };
          },
        }
      : {}),
  });
  log.info('herald embedded mode listening', { port: server.port, demo: config.demo.enabled, console: config.console });

  return {
    server,
    producer,
    owners,
    actions,
    bus,
    async stop() {
      await demo?.stop();
      await server.close();
      await bus.close();
    },
  };
}
