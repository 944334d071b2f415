/**
 * The harness's process plumbing: load-generator and publisher child
 * processes behind promise-returning calls, and CPU/memory readings from
 * /proc for every process of a run.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Histogram } from './histogram.js';
import type { ConnectPlan, ConnectResult, PublishPlan, PublishResult, WorkerStats } from './protocol.js';

/** Sockets one load generator holds at most: the open-files limit is 20,000 per process. */
export const SOCKETS_PER_WORKER = 19_000;

class Child {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, (reply: Record<string, unknown>) => void>();
  readonly ready: Promise<void>;
  readonly #profiling: boolean;
  #next = 1;

  /** `profileDir`: write a CPU profile there (the generators' cost bounds the servers' on a shared 2-core machine). */
  constructor(
    readonly name: string,
    script: string,
    profileDir?: string,
  ) {
    const profile = profileDir ? ['--cpu-prof', '--cpu-prof-interval=250', `--cpu-prof-dir=${profileDir}`] : [];
    this.#profiling = profile.length > 0;
    this.#child = fork(fileURLToPath(new URL(script, import.meta.url)), [], { execArgv: ['--import', 'tsx', ...profile], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.ready = new Promise((resolve, reject) => {
      this.#child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready`)));
      this.#child.on('message', (msg: Record<string, unknown>) => {
        if (msg['ready']) return resolve();
        const done = this.#pending.get(msg['id'] as number);
        this.#pending.delete(msg['id'] as number);
        done?.(msg);
      });
    });
  }

  get pid(): number {
    return this.#child.pid!;
  }

  async call<T>(request: Record<string, unknown>): Promise<T> {
    await this.ready;
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, (reply) => (reply['error'] ? reject(new Error(`${this.name}: ${String(reply['error'])}`)) : resolve(reply as T)));
      this.#child.send({ id, ...request });
    });
  }

  kill(): void {
    // A profiled child exits by itself so that it writes its profile (a SIGKILL would lose it).
    if (this.#profiling && this.#child.connected) this.#child.send({ id: 0, op: 'exit' });
    else this.#child.kill('SIGKILL');
  }
}

/**
 * Load generators, each with its share of the clients, plus one latency probe:
 * a process holding a few clients that connect last (the end of every fan-out).
 * A generator with 19,000 sockets reads them one after another, so its own
 * timestamps mostly measure its queue; the probe's nearly idle process reads
 * as soon as the edge has written, so its latency is the system's.
 */
export class LoadGenerators {
  readonly #workers: Child[];
  readonly #probe: Child;

  constructor(count: number, profileDir?: string) {
    this.#workers = Array.from({ length: count }, (_, i) => new Child(`load-${i + 1}`, './load-worker.ts', profileDir));
    this.#probe = new Child('probe', './load-worker.ts', profileDir);
  }

  static forConnections(connections: number, profileDir?: string): LoadGenerators {
    return new LoadGenerators(Math.max(1, Math.ceil(connections / SOCKETS_PER_WORKER)), profileDir);
  }

  processes(): { name: string; pid: number }[] {
    return [...this.#workers, this.#probe].map((w) => ({ name: w.name, pid: w.pid }));
  }

  get #all(): Child[] {
    return [...this.#workers, this.#probe];
  }

  /**
   * Connects `total` clients, 1% of them (20 to 200) on the probe. `rounds` > 1 connects in that many
   * slices, each followed by a slice of probes, so the probes sit all along the fan-out order (their
   * latency is then that of any subscriber); with 1 round the probes connect last. The connect rate
   * is measured over the generators' clients only. Client indexes start at `firstIndex` (a second
   * batch of clients next to the first).
   */
  async connect(total: number, plan: Omit<ConnectPlan, 'from' | 'count'>, rounds = 1, firstIndex = 0): Promise<{ connected: number; stormConnected: number; failures: Record<string, number>; seconds: number; connectMs: Histogram }> {
    const probes = Math.min(total, Math.max(20, Math.min(200, Math.round(total / 100))));
    const bulk = total - probes;
    const per = Math.ceil(bulk / this.#workers.length);
    const connectMs = new Histogram();
    const failures: Record<string, number> = {};
    let connected = 0;
    let stormConnected = 0;
    let seconds = 0;
    const add = (r: ConnectResult): void => {
      connectMs.add(Histogram.fromSparse(r.connectMs, r.connectMaxMs));
      for (const [k, v] of Object.entries(r.failures)) failures[k] = (failures[k] ?? 0) + v;
      connected += r.connected;
    };
    const slice = (from: number, count: number, round: number): { from: number; count: number } => {
      const size = Math.ceil(count / rounds);
      const start = Math.min(count, round * size);
      return { from: firstIndex + from + start, count: Math.max(0, Math.min(size, count - start)) };
    };
    for (let round = 0; round < rounds; round++) {
      const results = await Promise.all(
        this.#workers.map((w, i) => w.call<ConnectResult>({ op: 'connect', plan: { ...plan, ...slice(i * per, Math.max(0, Math.min(per, bulk - i * per)), round) } })),
      );
      for (const r of results) add(r);
      const active = results.filter((r) => r.connected > 0 || Object.keys(r.failures).length > 0);
      if (active.length > 0) seconds += (Math.max(...active.map((r) => r.doneAt)) - Math.min(...active.map((r) => r.startedAt))) / 1000;
      stormConnected += results.reduce((a, r) => a + r.connected, 0);
      add(await this.#probe.call<ConnectResult>({ op: 'connect', plan: { ...plan, ...slice(bulk, probes, round) } }));
    }
    return { connected, stormConnected, failures, seconds, connectMs };
  }

  /** Merged counters; `latency` is the probe's, `clientLatency` what the generators saw. `reset` starts a new window. */
  async stats(reset = false): Promise<{ open: number; events: number; duplicated: number; reordered: number; latency: Histogram; clientLatency: Histogram; closes: Record<string, number>; raw: WorkerStats[] }> {
    const raw = await Promise.all(this.#all.map((w) => w.call<{ stats: WorkerStats }>({ op: 'stats', reset }).then((r) => r.stats)));
    const clientLatency = new Histogram();
    const closes: Record<string, number> = {};
    for (const s of raw) {
      for (const [k, v] of Object.entries(s.closes)) closes[k] = (closes[k] ?? 0) + v;
    }
    for (const s of raw.slice(0, -1)) clientLatency.add(Histogram.fromSparse(s.latency, s.latencyMax));
    const probe = raw[raw.length - 1]!;
    const latency = Histogram.fromSparse(probe.latency, probe.latencyMax);
    const sum = (f: (s: WorkerStats) => number): number => raw.reduce((a, s) => a + f(s), 0);
    return { open: sum((s) => s.open), events: sum((s) => s.events), duplicated: sum((s) => s.duplicated), reordered: sum((s) => s.reordered), latency, clientLatency, closes, raw };
  }

  /**
   * Events the clients should have received (per tag, the publisher's acknowledged count) and did not.
   * `report`: with HERALD_BENCH_DEBUG, the generators list each client still missing some.
   */
  async lost(final: Record<string, number>, tags: string[], report = true): Promise<number> {
    const r = await Promise.all(this.#all.map((w) => w.call<{ lost: number }>({ op: 'lost', final, tags, report })));
    return r.reduce((a, x) => a + x.lost, 0);
  }

  async drop(delayMs: number): Promise<void> {
    await Promise.all(this.#all.map((w) => w.call({ op: 'drop', delayMs })));
  }

  /** Closes every client; the generators stay, ready for another `connect`. */
  async disconnect(): Promise<void> {
    await Promise.all(this.#all.map((w) => w.call({ op: 'close' })));
  }

  async close(): Promise<void> {
    await Promise.all(this.#all.map((w) => w.call({ op: 'close' }).catch(() => {})));
    for (const w of this.#all) w.kill();
  }
}

export class Publisher {
  readonly #child: Child;

  constructor(profileDir?: string) {
    this.#child = new Child('publisher', './publish-worker.ts', profileDir);
  }

  get pid(): number {
    return this.#child.pid;
  }

  run(plan: PublishPlan): Promise<PublishResult> {
    return this.#child.call<PublishResult>({ op: 'run', plan });
  }

  close(): void {
    this.#child.kill();
  }
}

// ---------------------------------------------------------------- /proc readings

const TICKS_PER_SEC = 100; // USER_HZ on Linux

export interface ProcSample {
  readonly name: string;
  readonly pid: number;
  readonly cpuTicks: number;
  /** The main (JavaScript) thread's share of `cpuTicks`; the rest is V8's and libuv's helper threads (JIT, GC marking). */
  readonly mainCpuTicks: number;
  readonly rssBytes: number;
}

/** utime + stime of a /proc stat line. */
function statTicks(path: string): number {
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

export function sampleProcess(name: string, pid: number): ProcSample {
  try {
    const cpuTicks = statTicks(`/proc/${pid}/stat`); // every thread's
    const mainCpuTicks = statTicks(`/proc/${pid}/task/${pid}/stat`);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { name, pid, cpuTicks, mainCpuTicks, rssBytes: rssKb * 1024 };
  } catch {
    return { name, pid, cpuTicks: 0, mainCpuTicks: 0, rssBytes: 0 }; // exited
  }
}

/**
 * Steal time of the whole machine (`/proc/stat`, all CPUs): time the hypervisor gave to other
 * guests. Read as a process named `stolen` (pid 0), so every CPU reading shows it beside the
 * processes. It is a flag more than a measure: this guest's steal accounting is not bounded by
 * its core count, but a run with steal well above zero met a busy host, and its figures are not
 * comparable with a quiet run's (docs/BENCHMARKS.md).
 */
export function sampleSteal(): ProcSample {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.split(/\s+/);
  const ticks = Number(cpu[8] ?? 0); // cpu user nice system idle iowait irq softirq steal …
  return { name: 'stolen', pid: 0, cpuTicks: ticks, mainCpuTicks: ticks, rssBytes: 0 };
}

export function sampleAll(list: readonly { name: string; pid: number }[]): ProcSample[] {
  return list.map((p) => sampleProcess(p.name, p.pid));
}

/** For CPU readings: the processes, and the machine's steal time as `stolen`. */
export function sampleCpu(list: readonly { name: string; pid: number }[]): ProcSample[] {
  return [...sampleAll(list), sampleSteal()];
}

/**
 * The kernel's count of connections dropped because a listen socket's accept queue was full
 * (`TcpExtListenOverflows`, what `nstat` shows), for the whole machine. Loopback only here, so
 * a delta over a storm is the storm's.
 */
export function listenOverflows(): number {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
  const names = lines.find((l) => l.startsWith('TcpExt:'))?.split(' ') ?? [];
  const values = lines.filter((l) => l.startsWith('TcpExt:'))[1]?.split(' ') ?? [];
  const i = names.indexOf('ListenOverflows');
  return i < 0 ? 0 : Number(values[i]);
}

/** Per process present in both samples: the CPU ticks it used in between, all threads and the main one. */
function* cpuDeltas(before: readonly ProcSample[], after: readonly ProcSample[]): Generator<{ name: string; ticks: number; mainTicks: number }> {
  for (const a of after) {
    const b = before.find((x) => x.pid === a.pid);
    if (b) yield { name: a.name, ticks: a.cpuTicks - b.cpuTicks, mainTicks: a.mainCpuTicks - b.mainCpuTicks };
  }
}

/** CPU use between two samples, in percent of one core, per process name. */
export function cpuPercent(before: readonly ProcSample[], after: readonly ProcSample[], seconds: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of cpuDeltas(before, after)) out[d.name] = Math.round((d.ticks / TICKS_PER_SEC / seconds) * 100);
  return out;
}

/**
 * CPU time of the processes `names` selects between two samples, in µs per `units` (connects),
 * split into the main thread and the helper threads.
 */
export function cpuUsPer(before: readonly ProcSample[], after: readonly ProcSample[], names: RegExp, units: number): { total: number; main: number; helpers: number } {
  let total = 0;
  let main = 0;
  for (const d of cpuDeltas(before, after)) {
    if (!names.test(d.name)) continue;
    total += d.ticks;
    main += d.mainTicks;
  }
  const us = (ticks: number): number => Math.round((ticks / TICKS_PER_SEC) * 1e6 / Math.max(1, units));
  // The process's and its main thread's stats are two reads: a tick may land between them.
  main = Math.min(main, total);
  return { total: us(total), main: us(main), helpers: us(total - main) };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
