/**
 * The systems a scenario runs against, all on loopback free ports:
 * - `baseline`: the raw uWebSockets.js publish server (the ceiling);
 * - `embedded`: `herald start` processes, each with its in-memory bus;
 * - `cluster`: a nats-server, one authz service and `herald edge` processes.
 */
import { fileURLToPath } from 'node:url';
import { loadEdgeConfig } from '@herald/config';
import { connectProducer } from '@herald/producer';
import { freePort, startLocalNats, type LocalNats } from '@herald/local-nats';
import { HERALD_SOURCES, HeraldProcess, NodeProcess, waitReady } from '../../test/support/cluster.js';
import { buildHerald, bundleNodeProgram } from '../../scripts/build.js';

export type Mode = 'baseline' | 'embedded' | 'cluster';
export const MODES: readonly Mode[] = ['baseline', 'embedded', 'cluster'];

export const SECRET = 'bench-secret-that-is-long-enough-for-hs256';
export const API_KEY = 'bench-api-key-0123456789';

const BASELINE = process.env.BASELINE_SCRIPT ?? fileURLToPath(new URL('./baseline-server.ts', import.meta.url));

/** How a server process is started: node arguments before its own (script first). */
interface ServerScripts {
  readonly herald: string;
  readonly baseline: readonly string[];
}

/**
 * The servers run as a deployment runs them: the production build (`npm run build`), and the
 * baseline bundled the same way, with no TypeScript loader in either; built once per bench run.
 * `--sources` runs both through tsx instead, as `npm start` does.
 */
let builds: Promise<ServerScripts> | undefined;
async function serverScripts(fromSources: boolean): Promise<ServerScripts> {
  if (fromSources) return { herald: HERALD_SOURCES, baseline: ['--import', 'tsx', BASELINE] };
  return (builds ??= (async () => ({
    herald: await buildHerald(),
    baseline: [await bundleNodeProgram(BASELINE, fileURLToPath(new URL('../../dist/bench-baseline.mjs', import.meta.url)))],
  }))());
}

export interface Edge {
  readonly name: string;
  readonly port: number;
  readonly process: NodeProcess;
  readonly http: string;
  readonly ws: string;
}

export interface SystemOptions {
  readonly edges: number;
  /** NATS nodes in cluster mode (1: R1 file storage; 3: R3, as in production). */
  readonly natsNodes?: number;
  /** Extra env for Herald processes (limits, history settings). */
  readonly env?: Record<string, string>;
  /** Node flags for the edges, e.g. `--cpu-prof`. */
  readonly nodeArgs?: readonly string[];
  /** Run the servers from the TypeScript sources through tsx, as `npm start` does (to compare with the build). */
  readonly fromSources?: boolean;
}

export interface System {
  readonly mode: Mode;
  readonly edges: Edge[];
  /** Where the publisher sends: every edge's HTTP API (comma-separated), or NATS. */
  readonly publish: { readonly via: 'http' | 'nats'; readonly target: string; readonly apiKey: string };
  /** Processes whose CPU and memory the report shows. */
  processes(): { name: string; pid: number }[];
  setOwner(resourceType: string, id: string, account: string): Promise<void>;
  stop(): Promise<void>;
}

async function startEdge(name: string, command: 'start' | 'edge', env: Record<string, string>, nodeArgs: readonly string[], script: string): Promise<Edge> {
  const port = await freePort();
  const process = new HeraldProcess(command, { ...env, HERALD_PORT: String(port) }, nodeArgs, script);
  const edge = { name, port, process, http: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}` };
  await waitReady(`${edge.http}/readyz`, process);
  return edge;
}

const HERALD_ENV = {
  HERALD_HOST: '127.0.0.1',
  HERALD_JWT_SECRET: SECRET,
  HERALD_API_KEY: API_KEY,
  HERALD_CONSOLE: 'false',
  HERALD_DEMO: 'false',
  HERALD_DRAIN_TIMEOUT: '0',
  HERALD_LOG_LEVEL: process.env['HERALD_BENCH_LOG'] ?? 'warn',
};

export async function startSystem(mode: Mode, options: SystemOptions): Promise<System> {
  const edges: Edge[] = [];
  const extra: { name: string; process: NodeProcess }[] = [];
  let nats: LocalNats | undefined;
  const stop = async (): Promise<void> => {
    await Promise.all([...edges.map((e) => e.process.stop()), ...extra.map((p) => p.process.stop())]);
    await nats?.stop();
  };
  const pidsOf = (): { name: string; pid: number }[] => {
    const list = [...edges.map((e) => ({ name: e.name, pid: e.process.pid! })), ...extra.map((p) => ({ name: p.name, pid: p.process.pid! }))];
    for (const n of nats?.nodes ?? []) if (n.pid) list.push({ name: `nats-${n.port}`, pid: n.pid });
    return list;
  };
  try {
    const scripts = await serverScripts(options.fromSources ?? false);
    if (mode === 'baseline') {
      for (let i = 0; i < options.edges; i++) {
        const port = await freePort();
        // As many listen sockets (accept queues) as the Herald edges get: HERALD_LISTEN_SOCKETS or its default.
        const listenSockets = loadEdgeConfig(process.env).listenSockets;
        const proc = new NodeProcess(`baseline-${i + 1}`, [...scripts.baseline, String(port), String(listenSockets)], {});
        const edge = { name: `uws-${i + 1}`, port, process: proc, http: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}` };
        edges.push(edge);
        await waitReady(`${edge.http}/readyz`, proc);
      }
      const publish = { via: 'http' as const, target: edges.map((e) => e.http).join(','), apiKey: API_KEY };
      return { mode, edges, publish, processes: pidsOf, setOwner: async () => {}, stop };
    }
    const env = { ...HERALD_ENV, ...options.env };
    if (mode === 'embedded') {
      for (let i = 0; i < options.edges; i++) edges.push(await startEdge(`edge-${i + 1}`, 'start', env, options.nodeArgs ?? [], scripts.herald));
      const setOwner = async (type: string, id: string, account: string): Promise<void> => {
        // Every embedded process has its own ownership store.
        for (const e of edges) {
          const res = await fetch(`${e.http}/v1/owners/${type}/${id}`, {
            method: 'PUT',
            headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
            body: JSON.stringify({ account_id: account }),
          });
          if (res.status !== 204) throw new Error(`setting owner failed: ${res.status} ${await res.text()}`);
        }
      };
      return { mode, edges, publish: { via: 'http', target: edges.map((e) => e.http).join(','), apiKey: API_KEY }, processes: pidsOf, setOwner, stop };
    }
    const size = options.natsNodes ?? 1;
    nats = await startLocalNats({ size });
    const clusterEnv = { ...env, NATS_URL: nats.urls, HERALD_JETSTREAM_REPLICAS: String(Math.min(size, 3)), HERALD_KV_REPLICAS: String(Math.min(size, 3)) };
    const authzPort = await freePort();
    const authz = new HeraldProcess('authz', { ...clusterEnv, HERALD_AUTHZ_PORT: String(authzPort) }, [], scripts.herald);
    extra.push({ name: 'authz', process: authz });
    await waitReady(`http://127.0.0.1:${authzPort}/healthz`, authz);
    for (let i = 0; i < options.edges; i++) edges.push(await startEdge(`edge-${i + 1}`, 'edge', clusterEnv, options.nodeArgs ?? [], scripts.herald));
    const urls = nats.urls;
    const setOwner = async (type: string, id: string, account: string): Promise<void> => {
      const producer = await connectProducer({ servers: urls, name: 'bench-setup' });
      try {
        await producer.setOwner(type, id, account);
      } finally {
        await producer.close();
      }
    };
    return { mode, edges, publish: { via: 'nats', target: urls, apiKey: API_KEY }, processes: pidsOf, setOwner, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
