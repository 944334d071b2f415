import { createServer } from 'node:http';
import { hostname } from 'node:os';
import { AuthzService, KvOwnershipStore, LocalAuthorizer } from '@herald/authz';
import { connectNats } from '@herald/bus';
import { createCatalog } from '@herald/channels';
import { EnvReader, loadNatsSettings, ConfigError } from '@herald/config';
import { createAuthzMetrics, createLogger } from '@herald/telemetry';
import { runUntilSignal } from './lifecycle.js';

/**
 * The authz service: answers `herald.authz.check` in the `herald-authz`
 * queue group (run several for load and availability), from the catalog's
 * rules and ownership in KV. `/healthz` and `/metrics` on HERALD_AUTHZ_PORT.
 */
export async function authzCommand(_args: string[]): Promise<number> {
  const nats = loadNatsSettings(process.env);
  const r = new EnvReader(process.env);
  const port = r.int('HERALD_AUTHZ_PORT', 8090, 0, 65535);
  const ttlMs = r.duration('HERALD_AUTHZ_DECISION_TTL', 30_000, 'ms', 0, 3_600_000);
  if (r.problems.length) throw new ConfigError(r.problems);
  const log = createLogger({ base: { service: 'herald-authz' } });
  const nc = await connectNats({ ...nats, name: `herald-authz-${hostname()}-${process.pid}` });
  const catalog = createCatalog();
  const owners = await KvOwnershipStore.open(nc, { replicas: nats.kvReplicas });
  const metrics = createAuthzMetrics();
  const service = await AuthzService.start(nc, {
    authorizer: new LocalAuthorizer((name) => catalog.get(name)?.rule, owners, ttlMs),
    onError: (msg, fields) => log.warn(msg, fields),
    onAnswered: (outcome, seconds) => metrics.checked(outcome, seconds),
  });
  const http = createServer((req, res) => {
    if (req.url === '/healthz') {
      const ok = !nc.isClosed();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: ok ? 'ok' : 'nats_closed' }));
    } else if (req.url === '/metrics') {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => http.listen(port, resolve));
  const address = http.address();
  log.info('herald authz serving', { subject: 'herald.authz.check', nats: nats.servers, port: typeof address === 'object' && address ? address.port : port });
  return runUntilSignal(log, async () => {
    await service.stop();
    http.close();
    http.closeAllConnections();
    await nc.drain().catch(() => nc.close());
  });
}
