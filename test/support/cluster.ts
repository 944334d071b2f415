import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { signDevToken, type DevTokenOptions } from '@herald/auth';
import { freePort, startLocalNats, type LocalNats } from '@herald/local-nats';
import { API_KEY, SECRET } from './edge.js';

/** The `herald` CLI from its TypeScript sources, through tsx (what `npm start` runs). */
export const HERALD_SOURCES = fileURLToPath(new URL('../../scripts/herald.mjs', import.meta.url));

/** Writes each whole line of `stream` to stderr behind `prefix`; a partial line waits for its end (or the stream's). */
function echoLines(prefix: string, stream: NodeJS.ReadableStream): (chunk: Buffer) => void {
  let partial = '';
  const write = (lines: string): void => void process.stderr.write(lines.split('\n').map((l) => prefix + l).join('\n') + '\n');
  stream.once('end', () => {
    if (partial) write(partial);
  });
  return (chunk) => {
    const text = partial + chunk.toString();
    const end = text.lastIndexOf('\n');
    partial = text.slice(end + 1);
    if (end >= 0) write(text.slice(0, end));
  };
}

/** One node child process, with its output kept for failure messages. */
export class NodeProcess {
  readonly output: string[] = [];
  readonly exited: Promise<number | null>;
  #child: ChildProcess;

  constructor(
    readonly command: string,
    args: readonly string[],
    readonly env: Record<string, string>,
  ) {
    this.#child = spawn(process.execPath, args, {
      env: { ...process.env, HERALD_LOG_LEVEL: process.env['HERALD_TEST_LOG'] ?? 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer): void => {
      this.output.push(chunk.toString());
      if (this.output.length > 200) this.output.shift();
    };
    this.#child.stdout?.on('data', keep);
    this.#child.stderr?.on('data', keep);
    if (process.env['HERALD_TEST_LOG']) {
      // Whole lines, each named by command and pid: two edges' traces can then be told apart.
      for (const stream of [this.#child.stdout, this.#child.stderr]) stream?.on('data', echoLines(`[${command} ${this.#child.pid}] `, stream));
    }
    // 'close', not 'exit': by then the output is read, so a process that failed at start says why.
    this.exited = new Promise((resolve) => this.#child.once('close', (code) => resolve(code)));
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** The JSON log lines of its kept output (Herald logs one object per line), in order; other output is skipped. */
  logLines(): Record<string, unknown>[] {
    return this.output.join('').split('\n').flatMap((line) => {
      try {
        const parsed: unknown = JSON.parse(line);
        return typeof parsed === 'object' && parsed !== null ? [parsed as Record<string, unknown>] : [];
      } catch {
        return [];
      }
    });
  }

  /** SIGKILL: a crash, nothing drains. */
  async kill(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * One `herald <command>` child process; `nodeArgs` go before the script (e.g. `--cpu-prof`).
 * `script`: the CLI to run, by default the TypeScript sources through tsx (the benchmark runs the production build).
 */
export class HeraldProcess extends NodeProcess {
  constructor(command: string, env: Record<string, string>, nodeArgs: readonly string[] = [], script = HERALD_SOURCES) {
    super(command, [...nodeArgs, script, command], env);
  }
}

export class ClusterEdgeProcess extends HeraldProcess {
  constructor(
    readonly port: number,
    env: Record<string, string>,
  ) {
    super('edge', { ...env, HERALD_PORT: String(port) });
  }
  get http(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get ws(): string {
    return `ws://127.0.0.1:${this.port}`;
  }
}

export class AuthzProcess extends HeraldProcess {
  constructor(
    readonly port: number,
    env: Record<string, string>,
  ) {
    super('authz', { ...env, HERALD_AUTHZ_PORT: String(port) });
  }
  get metricsUrl(): string {
    return `http://127.0.0.1:${this.port}/metrics`;
  }
}

/** `herald producers`: the demo producers and the reference backend answering client actions over NATS. */
export class ProducersProcess extends HeraldProcess {
  constructor(env: Record<string, string>) {
    // Info level: readiness is its "serving client actions" line. Demo traffic stays low unless the env says otherwise.
    super('producers', { HERALD_DEMO_INTERVAL: '1h', ...env, HERALD_LOG_LEVEL: 'info' });
  }
}

export interface TestCluster {
  readonly nats: LocalNats;
  readonly edges: ClusterEdgeProcess[];
  readonly authz: AuthzProcess[];
  readonly producers: ProducersProcess[];
  readonly env: Record<string, string>;
  /** Another edge; `env` overrides the cluster's (e.g. a NATS_URL naming one node). */
  startEdge(env?: Record<string, string>): Promise<ClusterEdgeProcess>;
  startAuthz(): Promise<AuthzProcess>;
  /** Another `herald producers`; resolves once it serves client actions. */
  startProducers(env?: Record<string, string>): Promise<ProducersProcess>;
  token(opts?: Partial<DevTokenOptions> & { sub?: string }): Promise<string>;
  publish(edge: ClusterEdgeProcess, streams: string[], event: string, payload?: unknown): Promise<{ streams: { stream: string; offset: number; epoch: string }[] }>;
  api(edge: ClusterEdgeProcess, method: string, path: string, body?: unknown): Promise<Response>;
  stop(): Promise<void>;
}

export async function waitReady(url: string, proc: NodeProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    const exited = await Promise.race([proc.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 100))]);
    if (exited) throw new Error(`herald ${proc.command} exited during start:\n${proc.output.join('')}`);
    if (Date.now() > deadline) throw new Error(`herald ${proc.command} not ready within ${timeoutMs} ms:\n${proc.output.join('')}`);
  }
}

/** Resolves once `text` appears in the process's output. */
export async function waitOutput(proc: NodeProcess, text: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!proc.output.join('').includes(text)) {
    const exited = await Promise.race([proc.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 100))]);
    if (exited) throw new Error(`herald ${proc.command} exited during start:\n${proc.output.join('')}`);
    if (Date.now() > deadline) throw new Error(`herald ${proc.command}: no "${text}" within ${timeoutMs} ms:\n${proc.output.join('')}`);
  }
}

/**
 * Real nats-server nodes (3 by default, JetStream replicated 3 ways), then
 * `edges` cluster-mode edge processes and `authz` authz service processes,
 * all on loopback free ports; with `producers`, that many `herald producers`
 * processes too (`true` = 1), after the edges (which create the history stream).
 */
export async function startTestCluster(
  options: { nodes?: number; edges?: number; authz?: number; producers?: boolean | number; env?: Record<string, string> } = {},
): Promise<TestCluster> {
  const size = options.nodes ?? 3;
  const nats = await startLocalNats({ size });
  const env: Record<string, string> = {
    NATS_URL: nats.urls,
    HERALD_HOST: '127.0.0.1',
    HERALD_JWT_SECRET: SECRET,
    HERALD_API_KEY: API_KEY,
    HERALD_JETSTREAM_REPLICAS: String(Math.min(3, size)),
    HERALD_DRAIN_TIMEOUT: '0',
    HERALD_CONSOLE: 'false',
    ...options.env,
  };
  const edges: ClusterEdgeProcess[] = [];
  const authz: AuthzProcess[] = [];
  const producers: ProducersProcess[] = [];
  const cluster: TestCluster = {
    nats,
    edges,
    authz,
    producers,
    env,
    async startEdge(extra = {}) {
      const edge = new ClusterEdgeProcess(await freePort(), { ...env, ...extra });
      edges.push(edge);
      await waitReady(`${edge.http}/readyz`, edge);
      return edge;
    },
    async startAuthz() {
      const p = new AuthzProcess(await freePort(), env);
      authz.push(p);
      await waitReady(`http://127.0.0.1:${p.port}/healthz`, p);
      return p;
    },
    async startProducers(extra = {}) {
      const p = new ProducersProcess({ ...env, ...extra });
      producers.push(p);
      await waitOutput(p, 'serving client actions');
      return p;
    },
    token: (opts = {}) => signDevToken({ secret: SECRET, sub: 'u1', account: 'acct-1', ...opts }),
    async publish(edge, streams, event, payload = {}) {
      const res = await cluster.api(edge, 'POST', '/v1/publish', { streams, event, payload });
      if (!res.ok) throw new Error(`publish failed ${res.status}: ${await res.text()}`);
      return (await res.json()) as { streams: { stream: string; offset: number; epoch: string }[] };
    },
    api(edge, method, path, body) {
      return fetch(`${edge.http}${path}`, {
        method,
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    },
    async stop() {
      await Promise.all([...edges, ...authz, ...producers].map((p) => p.kill()));
      await nats.stop();
    },
  };
  try {
    // The authz service first: edges then find a responder for their first checks.
    for (let i = 0; i < (options.authz ?? 1); i++) await cluster.startAuthz();
    for (let i = 0; i < (options.edges ?? 2); i++) await cluster.startEdge();
    for (let i = 0; i < Number(options.producers ?? 0); i++) await cluster.startProducers();
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

/** Scrape one counter value from a Prometheus text page. */
export async function metricValue(url: string, line: string): Promise<number> {
  const text = await (await fetch(url)).text();
  const found = text.split('\n').find((l) => l.startsWith(line + ' '));
  return found ? Number(found.slice(line.length + 1)) : 0;
}
