import { join } from 'node:path';
import type { Histogram } from '../histogram.js';
import { cpuPercent, LoadGenerators, Publisher, sampleAll, sampleCpu, sleep, type ProcSample } from '../harness.js';
import type { ConnectPlan, PublishGroup, PublishResult } from '../protocol.js';
import { SECRET, startSystem, type Mode, type System, type SystemOptions } from '../systems.js';

export interface RunOptions {
  /** Multiplies every connection count (0.05 for a quick look; 1 is the documented size). */
  readonly scale: number;
  readonly natsNodes: number;
  /** Edges write CPU profiles here (`--cpu-prof`). */
  readonly profileDir?: string;
  /** connect-storm: storms per run on the same edges (`--storms`, default 3: cold, warm, steady). */
  readonly storms?: number;
  /** Extra Node flags for the Herald edges (`--node-args`), to try V8 settings. */
  readonly nodeArgs?: readonly string[];
  /** Servers run from the TypeScript sources through tsx instead of the production build (`--sources`). */
  readonly fromSources?: boolean;
  readonly log: (line: string) => void;
}

/** One row of the report. Field names are the `--json` contract. */
export interface BenchResult {
  scenario: string;
  mode: Mode;
  /** What the row measures when a scenario has several (e.g. `4 edges`). */
  variant?: string;
  edges: number;
  connections: number;
  connects_per_s: number | null;
  deliveries_per_s: number | null;
  baseline_deliveries_per_s: number | null;
  p50_ms: number | null;
  p90_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
  rss_per_conn_bytes: number | null;
  lost: number | null;
  duplicated: number | null;
  /** Events delivered after a newer offset of the same stream (must be 0). */
  reordered: number | null;
  /** Percent of one core per process during the measured window. */
  cpu: Record<string, number>;
  /** RSS per edge process, bytes. */
  rss: Record<string, number>;
  extra?: Record<string, unknown>;
}

export interface Scenario {
  readonly name: string;
  readonly summary: string;
  run(mode: Mode, options: RunOptions): Promise<BenchResult[]>;
}

export const scaled = (n: number, o: RunOptions): number => Math.max(10, Math.round(n * o.scale));

/** A subscribe frame: Herald's channel/params, or the baseline server's raw stream. */
export function subscribeFrame(mode: Mode, channel: string, params: string, stream: string, id = 1): string {
  return mode === 'baseline'
    ? `{"type":"subscribe","stream":"${stream}","id":${id}}`
    : `{"type":"subscribe","channel":"${channel}","params":${params},"id":${id}}`;
}

export function basePlan(system: System, subscribe: string[], extra: Partial<ConnectPlan> = {}): Omit<ConnectPlan, 'from' | 'count'> {
  return {
    urls: system.edges.map((e) => e.ws),
    path: '/ws?inbox=manual',
    secret: SECRET,
    user: 'u{i}',
    account: 'bench',
    subscribe,
    concurrency: 100,
    ...extra,
  };
}

export interface Run {
  readonly system: System;
  readonly load: LoadGenerators;
  readonly publisher: Publisher;
  processes(): { name: string; pid: number }[];
}

/** Edges per mode: a cluster gets two, the smallest that shows fan-out across pods. */
export const edgesFor = (mode: Mode): number => (mode === 'cluster' ? 2 : 1);

/**
 * Starts the system, load generators for `connections` and a publisher; stops them all afterwards.
 * With `profileDir`, the edges write CPU profiles there and the load generators and publisher into `<profileDir>/clients`.
 */
export async function withRun<T>(mode: Mode, systemOptions: SystemOptions, connections: number, options: RunOptions, body: (run: Run) => Promise<T>): Promise<T> {
  const profile = options.profileDir ? ['--cpu-prof', '--cpu-prof-interval=200', `--cpu-prof-dir=${options.profileDir}`] : [];
  const nodeArgs = mode === 'baseline' ? [] : [...(options.nodeArgs ?? []), ...profile];
  const system = await startSystem(mode, { natsNodes: options.natsNodes, fromSources: options.fromSources ?? false, ...systemOptions, nodeArgs });
  const clientProfiles = options.profileDir ? join(options.profileDir, 'clients') : undefined;
  const load = LoadGenerators.forConnections(connections, clientProfiles);
  const publisher = new Publisher(clientProfiles);
  const run: Run = {
    system,
    load,
    publisher,
    processes: () => [...system.processes(), ...load.processes(), { name: 'publisher', pid: publisher.pid }],
  };
  try {
    return await body(run);
  } finally {
    await load.close();
    publisher.close();
    await system.stop();
  }
}

export function publishPlan(run: Run, groups: PublishGroup[], rate: number, durationMs: number, padding = 0): Parameters<Publisher['run']>[0] {
  return { via: run.system.publish.via, target: run.system.publish.target, apiKey: run.system.publish.apiKey, groups, rate, durationMs, padding, maxInFlight: 256 };
}

export interface Window {
  readonly seconds: number;
  readonly events: number;
  readonly duplicated: number;
  readonly reordered: number;
  readonly latency: Histogram;
  readonly clientLatency: Histogram;
  readonly cpu: Record<string, number>;
  readonly published: PublishResult;
  readonly closes: Record<string, number>;
}

/** Publishes for `durationMs`, waits for stragglers, and reports what the clients saw in that window. */
export async function measure(run: Run, groups: PublishGroup[], rate: number, durationMs: number, padding = 0): Promise<Window> {
  await run.load.stats(true);
  const before: ProcSample[] = sampleCpu(run.processes());
  const t0 = performance.now();
  const published = await run.publisher.run(publishPlan(run, groups, rate, durationMs, padding));
  await sleep(300); // in-flight deliveries
  const seconds = (performance.now() - t0) / 1000;
  const after = sampleCpu(run.processes());
  const s = await run.load.stats(true);
  return { seconds, events: s.events, duplicated: s.duplicated, reordered: s.reordered, latency: s.latency, clientLatency: s.clientLatency, cpu: cpuPercent(before, after, seconds), published, closes: s.closes };
}

/**
 * Events the clients are still missing once delivery has stopped making progress: `missing()` is
 * polled every `stepMs` until it is 0, until it has not fallen for `quietMs`, or for `maxMs` at
 * most. Past saturation the load generators are seconds behind, and a socket whose receive window
 * filled up can sit idle for seconds while TCP's persist timer backs off, with its events still to
 * come: the quiet period that used to end the wait (2 s without any event) counted those as lost.
 */
export async function missingOnceSettled(missing: () => Promise<number>, o: { stepMs?: number; quietMs?: number; maxMs?: number } = {}): Promise<number> {
  const { stepMs = 1000, quietMs = 10_000, maxMs = 60_000 } = o;
  const started = Date.now();
  let best = await missing();
  let bestAt = Date.now();
  while (best > 0 && Date.now() - bestAt < quietMs && Date.now() - started < maxMs) {
    await sleep(stepMs);
    const now = await missing();
    if (now < best) {
      best = now;
      bestAt = Date.now();
    }
  }
  return best;
}

/** Acknowledged events (per tag, `final`) the clients did not receive, once delivery has settled. */
export async function lostOnceSettled(run: Run, final: Record<string, number>, tags: string[]): Promise<number> {
  const missing = await missingOnceSettled(() => run.load.lost(final, tags, false));
  return missing === 0 ? 0 : run.load.lost(final, tags); // reported per client with HERALD_BENCH_DEBUG
}

export function latencyFields(h: Histogram): Pick<BenchResult, 'p50_ms' | 'p90_ms' | 'p99_ms' | 'max_ms'> {
  if (h.count === 0) return { p50_ms: null, p90_ms: null, p99_ms: null, max_ms: null };
  const r = (v: number): number => Math.round(v * 100) / 100;
  return { p50_ms: r(h.percentile(0.5)), p90_ms: r(h.percentile(0.9)), p99_ms: r(h.percentile(0.99)), max_ms: r(h.max) };
}

export function rssOf(run: Run): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of sampleAll(run.system.processes())) out[s.name] = s.rssBytes;
  return out;
}

export function emptyResult(scenario: string, mode: Mode, edges: number, connections: number): BenchResult {
  return {
    scenario,
    mode,
    edges,
    connections,
    connects_per_s: null,
    deliveries_per_s: null,
    baseline_deliveries_per_s: null,
    p50_ms: null,
    p90_ms: null,
    p99_ms: null,
    max_ms: null,
    rss_per_conn_bytes: null,
    lost: null,
    duplicated: null,
    reordered: null,
    cpu: {},
    rss: {},
  };
}

/**
 * Connects and fails loudly when more than 0.5% of the clients could not connect: a benchmark of
 * half the sockets is wrong, not slow. Fewer failures are logged and reported (`connect_failures`).
 */
export async function connectAll(run: Run, total: number, plan: Omit<ConnectPlan, 'from' | 'count'>, log: (l: string) => void, rounds = 10, firstIndex = 0): Promise<Awaited<ReturnType<LoadGenerators['connect']>>> {
  const r = await run.load.connect(total, plan, rounds, firstIndex);
  log(`  connected ${r.connected}/${total}; ${r.stormConnected} in ${r.seconds.toFixed(2)} s (${Math.round(r.stormConnected / r.seconds)}/s)`);
  if (r.connected < total * 0.995) throw new Error(`only ${r.connected} of ${total} clients connected: ${JSON.stringify(r.failures)}`);
  if (r.connected < total) log(`  ${total - r.connected} connect failures: ${JSON.stringify(r.failures)}`);
  return r;
}

/** The row of a scenario that publishes at a fixed rate for one window: deliveries, latency, losses. */
export async function deliveryRow(run: Run, w: Window, scenario: string, mode: Mode, connections: number, tags: string[], o: RunOptions, extra: Record<string, unknown>): Promise<BenchResult> {
  const lost = await lostOnceSettled(run, w.published.final, tags);
  const deliveries = Math.round(w.events / w.seconds);
  const latency = latencyFields(w.latency);
  o.log(`  ${deliveries} deliveries/s, p50 ${latency.p50_ms} p99 ${latency.p99_ms} ms, lost ${lost}, cpu ${JSON.stringify(w.cpu)}`);
  return {
    ...emptyResult(scenario, mode, run.system.edges.length, connections),
    deliveries_per_s: deliveries,
    ...latency,
    lost,
    duplicated: w.duplicated,
    reordered: w.reordered,
    cpu: w.cpu,
    rss: rssOf(run),
    extra: { ...extra, publish_failed: w.published.failed },
  };
}
