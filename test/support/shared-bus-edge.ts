import { signDevToken, type DevTokenOptions } from '@herald/auth';
import { MemoryOwnershipStore } from '@herald/authz';
import { MemoryBus } from '@herald/bus';
import { createCatalog } from '@herald/channels';
import { loadEdgeConfig } from '@herald/config';
import { startEmbedded, type Embedded, type EdgeServer } from '@herald/edge';
import { freePort } from '@herald/local-nats';
import { BusProducer } from '@herald/producer';
import { createLogger } from '@herald/telemetry';
import { API_KEY, SECRET } from './edge.js';

/**
 * An edge restarted the way a pod is in a cluster: its process goes (every socket is closed with
 * 4010) and comes back on the same port, while the bus — NATS JetStream in production — keeps its
 * streams, offsets and epoch. A client can therefore resume across the restart without a gap,
 * which an embedded edge (whose in-memory bus dies with it) cannot show.
 *
 * Each incarnation is a real embedded edge (`startEmbedded`) handed the same bus.
 */
export interface SharedBusEdge {
  readonly port: number;
  readonly http: string;
  readonly ws: string;
  /** The server running now (a new one after each restart). */
  readonly server: EdgeServer;
  readonly bus: MemoryBus;
  readonly producer: BusProducer;
  /** Whether a server is listening (false between stop and start of a restart). */
  readonly running: boolean;
  token(opts?: Partial<DevTokenOptions> & { sub?: string }): Promise<string>;
  /** Close the server (4010 to every socket); the bus stays. */
  down(): Promise<void>;
  /** Start a server again on the same port. */
  up(): Promise<void>;
  /** Close everything, bus included. */
  stop(): Promise<void>;
}

export async function startSharedBusEdge(env: Record<string, string> = {}): Promise<SharedBusEdge> {
  const bus = new MemoryBus({});
  // Publishes go straight to the bus, so they are stored while no edge runs.
  const producer = new BusProducer(bus, createCatalog(), new MemoryOwnershipStore());
  const log = createLogger({ level: (process.env['HERALD_TEST_LOG'] as 'debug' | undefined) ?? 'silent' });
  let port = 0;
  let edge: Embedded | undefined;

  async function listen(onPort: number): Promise<Embedded> {
    const config = loadEdgeConfig({
      HERALD_HOST: '127.0.0.1',
      HERALD_PORT: String(onPort),
      HERALD_JWT_SECRET: SECRET,
      HERALD_API_KEY: API_KEY,
      HERALD_DEMO: 'false',
      HERALD_CONSOLE: 'false',
      HERALD_DRAIN_TIMEOUT: '0',
      ...env,
    });
    return startEmbedded(config, log, { bus });
  }

  async function up(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        edge = await listen(port);
        return;
      } catch (err) {
        // The old listener may not be released yet.
        if (Date.now() > deadline || !/cannot listen/.test(String(err))) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  // An explicit port, not 0: uSockets sets SO_REUSEADDR only then, so a new server can bind it right away.
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      edge = await listen(port);
      break;
    } catch (err) {
      if (attempt >= 5 || !/cannot listen/.test(String(err))) throw err;
    }
  }

  return {
    port,
    http: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}`,
    get server() {
      if (!edge) throw new Error('the edge is down');
      return edge.server;
    },
    get running() {
      return edge !== undefined;
    },
    bus,
    producer,
    token: (opts = {}) => signDevToken({ secret: SECRET, sub: 'u1', account: 'acct-1', ...opts }),
    async down() {
      const e = edge;
      edge = undefined;
      await e?.stop();
    },
    up: () => up(),
    async stop() {
      const e = edge;
      edge = undefined;
      await e?.stop();
      await bus.close();
    },
  };
}
