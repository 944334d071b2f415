import type { DevTokenOptions } from '@herald/auth';
import { connect } from '@nats-io/transport-node';
import { BackendServer } from '@herald/producer';
import { API_KEY, startTestEdge } from './edge.js';
import { startTestCluster } from './cluster.js';

/**
 * One Herald deployment under test, embedded or cluster, behind the same
 * surface: the dialect suites run unchanged against both.
 */
export interface Target {
  readonly mode: 'embedded' | 'cluster';
  /** WebSocket base URLs of the edges (one in embedded mode, two in cluster mode). */
  readonly ws: readonly string[];
  readonly http: readonly string[];
  token(opts?: Partial<DevTokenOptions> & { sub?: string }): Promise<string>;
  publish(streams: string[], event: string, payload?: unknown, edge?: number): Promise<{ streams: { stream: string; offset: number; epoch: string }[] }>;
  setOwner(type: string, id: string, account: string): Promise<void>;
  api(method: string, path: string, body?: unknown, edge?: number): Promise<Response>;
  /** Answer a forwarded JSON-RPC method (in process, or a backend on NATS). */
  serveRpc(method: string, handler: (req: { identity: { userId: string }; method: string; params: unknown }) => unknown): Promise<() => void>;
  stop(): Promise<void>;
}

export async function startTarget(mode: 'embedded' | 'cluster'): Promise<Target> {
  const api = (http: string) => (method: string, path: string, body?: unknown) =>
    fetch(`${http}${path}`, {
      method,
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  if (mode === 'embedded') {
    const edge = await startTestEdge();
    return {
      mode,
      ws: [edge.ws],
      http: [edge.http],
      token: (opts = {}) => edge.token(opts),
      publish: (streams, event, payload) => edge.publish(streams, event, payload),
      setOwner: (type, id, account) => edge.owners.setOwner(type, id, account),
      api: (method, path, body) => api(edge.http)(method, path, body),
      serveRpc: async (method, handler) => edge.rpc.handle(method, (req) => handler(req)),
      stop: () => edge.stop(),
    };
  }
  const cluster = await startTestCluster({ nodes: 1, edges: 2, authz: 1, producers: true });
  const edges = cluster.edges;
  const backends: { close(): Promise<void> }[] = [];
  return {
    mode,
    ws: edges.map((e) => e.ws),
    http: edges.map((e) => e.http),
    token: (opts = {}) => cluster.token(opts),
    publish: (streams, event, payload, edge = 0) => cluster.publish(edges[edge]!, streams, event, payload),
    async setOwner(type, id, account) {
      const res = await cluster.api(edges[0]!, 'PUT', `/v1/owners/${type}/${id}`, { account_id: account });
      if (res.status !== 204) throw new Error(`setOwner failed ${res.status}: ${await res.text()}`);
    },
    api: (method, path, body, edge = 0) => cluster.api(edges[edge]!, method, path, body),
    async serveRpc(method, handler) {
      const nc = await connect({ servers: cluster.nats.urls.split(',') });
      const backend = new BackendServer(nc);
      backend.handleRpc(method, (req) => handler(req));
      const close = async () => {
        await backend.close();
        await nc.close();
      };
      backends.push({ close });
      await nc.flush();
      return () => void close();
    },
    async stop() {
      await Promise.all(backends.map((b) => b.close().catch(() => undefined)));
      await cluster.stop();
    },
  };
}
