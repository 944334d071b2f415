import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports.js';

export interface NatsServerOptions {
  /** Server name; JetStream clustering needs unique names. */
  readonly name: string;
  /** Folder for JetStream storage and the server's log (`nats-server.log`). */
  readonly dir: string;
  readonly port?: number;
  readonly monitorPort?: number;
  readonly jetstream?: boolean;
  readonly cluster?: { readonly name: string; readonly port: number; readonly routes: readonly string[] };
  /** nats-server binary: `HERALD_NATS_SERVER`, else `nats-server` on PATH. */
  readonly binary?: string;
}

export function natsServerBinary(): string {
  return process.env['HERALD_NATS_SERVER'] || 'nats-server';
}

/**
 * One real nats-server process on loopback. Ports are fixed at construction,
 * so a killed node restarts where clients and routes expect it.
 */
export class NatsServerProcess {
  readonly port: number;
  readonly monitorPort: number;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #log: WriteStream | undefined;

  private constructor(
    readonly options: NatsServerOptions,
    ports: { port: number; monitorPort: number },
  ) {
    this.port = ports.port;
    this.monitorPort = ports.monitorPort;
  }

  static async create(options: NatsServerOptions): Promise<NatsServerProcess> {
    const port = options.port ?? (await freePort());
    const monitorPort = options.monitorPort ?? (await freePort());
    return new NatsServerProcess(options, { port, monitorPort });
  }

  get name(): string {
    return this.options.name;
  }
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }
  get running(): boolean {
    return this.#child !== undefined;
  }
  /** OS process id while running (benchmarks read its CPU and memory). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Start the process and wait until it accepts clients (and, with JetStream, reports healthy). */
  async start(timeoutMs = 20_000): Promise<void> {
    if (this.#child) return;
    const o = this.options;
    mkdirSync(o.dir, { recursive: true });
    const args = ['-a', '127.0.0.1', '-p', String(this.port), '-m', String(this.monitorPort), '-n', o.name];
    if (o.jetstream !== false) args.push('-js', '-sd', join(o.dir, 'jetstream'));
    if (o.cluster) {
      args.push('--cluster_name', o.cluster.name, '--cluster', `nats://127.0.0.1:${o.cluster.port}`);
      if (o.cluster.routes.length) args.push('--routes', o.cluster.routes.join(','));
    }
    this.#log ??= createWriteStream(join(o.dir, 'nats-server.log'), { flags: 'a' });
    const child = spawn(o.binary ?? natsServerBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    child.stdout?.pipe(this.#log, { end: false });
    child.stderr?.pipe(this.#log, { end: false });
    let spawnError: Error | undefined;
    this.#exited = new Promise((resolve) => {
      child.once('error', (err) => {
        spawnError = err;
        resolve();
      });
      // 'close', not 'exit': its output pipes must be drained before the log file may be closed.
      child.once('close', () => resolve());
    });
    void this.#exited.then(() => {
      if (this.#child === child) this.#child = undefined;
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (spawnError) throw new Error(`cannot start ${o.binary ?? natsServerBinary()}: ${spawnError.message} (install nats-server or set HERALD_NATS_SERVER)`);
      if (!this.#child) throw new Error(`nats-server ${o.name} exited during start; see ${join(o.dir, 'nats-server.log')}`);
      if (await this.healthy()) return;
      if (Date.now() > deadline) throw new Error(`nats-server ${o.name} not healthy within ${timeoutMs} ms; see ${join(o.dir, 'nats-server.log')}`);
      await sleep(50);
    }
  }

  /**
   * Whether the server gave up because one of its ports was taken. Ports come from `freePort()`,
   * which closes its probe socket before the server binds, so a port can be taken in between
   * (by an outgoing connection of a busy test run, say): the caller may retry with fresh ports.
   */
  lostAPortRace(): boolean {
    try {
      return /bind: address already in use/.test(readFileSync(join(this.options.dir, 'nats-server.log'), 'utf8'));
    } catch {
      return false;
    }
  }

  /** `/healthz` of the monitoring port: 200 once the server (and JetStream, if enabled) is usable. */
  async healthy(): Promise<boolean> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.monitorPort}/healthz`, { signal: AbortSignal.timeout(1000) });
      return res.ok;
    } catch {
      return false;
    }
  }

  /** Stop the process with `signal` (SIGKILL simulates a crash) and wait for it to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.#child;
    if (!child) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await this.#exited;
    clearTimeout(timer);
  }

  kill(): Promise<void> {
    return this.stop('SIGKILL');
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Close the log file; call once the process is stopped for good. */
  dispose(): void {
    this.#log?.end();
    this.#log = undefined;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
