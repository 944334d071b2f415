import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { NatsServerProcess } from './server.js';

export interface LocalNats {
  readonly nodes: readonly NatsServerProcess[];
  /** Client URLs of every node, comma-separated (the form `NATS_URL` takes). */
  readonly urls: string;
  readonly dir: string;
  /** Stop every node and delete the storage folder (unless `keep`). */
  stop(options?: { keep?: boolean }): Promise<void>;
}

export interface LocalNatsOptions {
  /** 1 = a single server; 3 = a JetStream cluster that survives losing one node. */
  readonly size?: number;
  /** Storage and logs; a fresh temporary folder by default (deleted on stop). */
  readonly dir?: string;
  readonly clusterName?: string;
  /** Client port of the first node (the others take the next ones); free ports by default. */
  readonly basePort?: number;
  readonly binary?: string;
}

/**
 * Real nats-server processes with JetStream on loopback, for tests and
 * `npm run cluster`. Resolves once every node reports healthy, which for a
 * cluster means a JetStream meta leader has been elected.
 */
export async function startLocalNats(options: LocalNatsOptions = {}): Promise<LocalNats> {
  const size = options.size ?? 1;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'herald-nats-'));
  const ownsDir = options.dir === undefined;
  const clusterName = options.clusterName ?? 'herald';
  for (let attempt = 1; ; attempt++) {
    const { nodes, stop } = await createNodes(options, size, dir, clusterName, ownsDir);
    try {
      // Cluster nodes only turn healthy once their peers are up, so start them together.
      await Promise.all(nodes.map((n) => n.start(30_000)));
      return { nodes, urls: nodes.map((n) => n.url).join(','), dir, stop };
    } catch (err) {
      await stop({ keep: true });
      if (attempt >= 3 || !nodes.some((n) => n.lostAPortRace())) throw err;
      for (const n of nodes) rmSync(n.options.dir, { recursive: true, force: true }); // a fresh start on fresh ports
    }
  }
}

async function createNodes(
  options: LocalNatsOptions,
  size: number,
  dir: string,
  clusterName: string,
  ownsDir: boolean,
): Promise<{ nodes: NatsServerProcess[]; stop: LocalNats['stop'] }> {
  const routePorts = size > 1 ? await Promise.all(Array.from({ length: size }, () => freePort())) : [];
  const nodes: NatsServerProcess[] = [];
  for (let i = 0; i < size; i++) {
    const cluster =
      size > 1
        ? { name: clusterName, port: routePorts[i]!, routes: routePorts.filter((_, j) => j !== i).map((p) => `nats://127.0.0.1:${p}`) }
        : undefined;
    nodes.push(
      await NatsServerProcess.create({
        name: `n${i + 1}`,
        dir: join(dir, `n${i + 1}`),
        ...(options.basePort ? { port: options.basePort + i } : {}),
        ...(cluster ? { cluster } : {}),
        ...(options.binary ? { binary: options.binary } : {}),
      }),
    );
  }
  const stop = async (o: { keep?: boolean } = {}): Promise<void> => {
    await Promise.all(nodes.map((n) => n.stop()));
    for (const n of nodes) n.dispose();
    if (ownsDir && !o.keep) rmSync(dir, { recursive: true, force: true });
  };
  return { nodes, stop };
}
