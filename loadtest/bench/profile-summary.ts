/**
 * Where a CPU profile's time goes, per function, self and inclusive: the numbers
 * docs/BENCHMARKS.md quotes as "µs per connect" come from here.
 *
 *   npm run bench:profile -- <file.cpuprofile> [--around handleUpgrade] [--per 10000] [--top 40]
 *
 * `--around <function>`: only the samples from the first to the last whose stack holds that
 * function (the storm, not the start-up). `--per <n>`: divide by n (connects, events) and print
 * µs per unit; without it, milliseconds.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly children?: readonly number[];
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfileSummary {
  /** µs covered by the summarised samples. */
  readonly totalUs: number;
  /** µs per function (`name file`), where it was on top of the stack. */
  readonly self: ReadonlyMap<string, number>;
  /** µs per function, anywhere on the stack (counted once per sample). */
  readonly inclusive: ReadonlyMap<string, number>;
  /** µs per npm package (`prom-client`, `@nats-io/nats-core`), anywhere on the stack (counted once per sample). */
  readonly packages: ReadonlyMap<string, number>;
}

/** The npm package a frame's code lives in, from the last `node_modules/` of its URL. */
const packageOf = (n: ProfileNode): string | undefined => /.*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(n.callFrame.url)?.[1];

const label = (n: ProfileNode): string => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(packages|dist|loadtest)\//, '$1/')}`.trim();

export function summarizeProfile(profile: CpuProfile, around?: string): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stack = (id: number): ProfileNode[] => {
    const out: ProfileNode[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) out.push(byId.get(cur)!);
    return out;
  };
  let first = 0;
  let last = profile.samples.length - 1;
  if (around !== undefined) {
    const holds = profile.samples.map((id) => stack(id).some((n) => n.callFrame.functionName === around));
    first = holds.indexOf(true);
    last = holds.lastIndexOf(true);
    if (first < 0) throw new Error(`no sample has ${around} on its stack`);
  }
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const packages = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, us: number): void => void map.set(key, (map.get(key) ?? 0) + us);
  let totalUs = 0;
  for (let i = first; i <= last; i++) {
    // A sample's time is the gap to the next sample.
    const us = profile.timeDeltas[i + 1] ?? 0;
    totalUs += us;
    const frames = stack(profile.samples[i]!);
    add(self, label(frames[0]!), us);
    for (const name of new Set(frames.map(label))) add(inclusive, name, us);
    for (const name of new Set(frames.map(packageOf))) if (name) add(packages, name, us);
  }
  return { totalUs, self, inclusive, packages };
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { around: { type: 'string' }, per: { type: 'string' }, top: { type: 'string', default: '40' } },
  });
  if (positionals.length !== 1) {
    process.stderr.write('usage: npm run bench:profile -- <file.cpuprofile> [--around <function>] [--per <n>] [--top <n>]\n');
    process.exit(64);
  }
  const summary = summarizeProfile(JSON.parse(readFileSync(positionals[0]!, 'utf8')) as CpuProfile, values.around);
  const per = values.per ? Number(values.per) : undefined;
  const show = (us: number): string => (per ? (us / per).toFixed(1) : (us / 1000).toFixed(0)).padStart(8);
  const unit = per ? `µs per 1/${per}` : 'ms';
  const top = Number(values.top);
  process.stdout.write(`total ${show(summary.totalUs)} ${unit}\n`);
  for (const [title, map] of [['self', summary.self], ['inclusive', summary.inclusive], ['inclusive per npm package', summary.packages]] as const) {
    process.stdout.write(`--- ${title} (${unit})\n`);
    for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${show(us)}  ${name}\n`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
