/**
 * Why V8 threw optimized code away in bulk. Reads the output of a process run with
 * `--trace-deopt --trace-compilation-dependencies` and, for each burst of "marking dependent
 * code" (code thrown away because an assumption it was compiled under stopped holding), prints
 * the functions and the maps *every one of them* depended on, with the dependency groups.
 * One map in common, with `field-const`, means a field of that object shape was written for the
 * first time after being treated as constant (docs/benchmarks/cold-edge.md, "The deoptimization at the
 * first disconnects").
 *
 *   HERALD_TEST_LOG=1 npm run bench -- connect-storm --mode embedded --no-save --no-baseline --storms 2 \
 *     "--node-args=--trace-deopt --trace-compilation-dependencies" > /tmp/deopt.log 2>&1
 *   npm run bench:deopts -- /tmp/deopt.log [--min 3]
 *
 * Lines may carry the harness's `[<command> <pid>] ` prefix; code addresses are per process, so
 * each process is read on its own.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export interface DeoptBurst {
  /** The harness's process prefix (`edge 1234`), or '' for an unprefixed log. */
  readonly process: string;
  /** Line number (1-based) of the burst's first mark. */
  readonly line: number;
  readonly functions: readonly string[];
  /** Maps (and other dependency targets) every marked code object depended on, with the union of their groups. */
  readonly common: readonly { readonly target: string; readonly groups: readonly string[] }[];
}

const PREFIX = /^\[([a-z][\w-]* \d+)\] /;
// A target may nest: `<PropertyCell name=0x… <String[0]: #> value=1>` is a protector (a cell V8 flips once, for good).
const INSTALL = /Installing dependency of \[(0x[0-9a-f]+) <Code \w+>\] on \[(0x[0-9a-f]+) <(.*)>\] in groups \[([^\]]*)\]/;
const MARK = /marking dependent code (0x[0-9a-f]+) <Code \w+> \(0x[0-9a-f]+ <SharedFunctionInfo ?(.*?)>\) \(opt id/;

export function findDeoptBursts(log: string, minFunctions = 1): DeoptBurst[] {
  interface ProcessState {
    deps: Map<string, Map<string, Set<string>>>;
    /** Lines of this process read so far: other processes' lines in between do not end a burst. */
    seen: number;
    burst: { line: number; lastSeen: number; codes: { code: string; fn: string }[] } | undefined;
  }
  const processes = new Map<string, ProcessState>();
  const bursts: DeoptBurst[] = [];
  const finish = (name: string, state: ProcessState): void => {
    const b = state.burst;
    state.burst = undefined;
    if (!b || b.codes.length < minFunctions) return;
    const perCode = b.codes.map(({ code }) => state.deps.get(code) ?? new Map<string, Set<string>>());
    const common = [...(perCode[0]?.keys() ?? [])]
      .filter((target) => perCode.every((d) => d.has(target)))
      .map((target) => ({ target, groups: [...new Set(perCode.flatMap((d) => [...d.get(target)!]))].sort() }));
    bursts.push({ process: name, line: b.line, functions: b.codes.map((c) => c.fn || '(anonymous)'), common });
  };
  log.split('\n').forEach((raw, i) => {
    const prefix = PREFIX.exec(raw);
    const name = prefix?.[1] ?? '';
    const line = prefix ? raw.slice(prefix[0].length) : raw;
    let state = processes.get(name);
    if (!state) processes.set(name, (state = { deps: new Map(), seen: 0, burst: undefined }));
    const seen = ++state.seen;
    const install = INSTALL.exec(line);
    if (install) {
      const [, code, target, kind, groups] = install as unknown as [string, string, string, string, string];
      let perTarget = state.deps.get(code);
      if (!perTarget) state.deps.set(code, (perTarget = new Map()));
      const key = `${target} ${kind}`;
      let set = perTarget.get(key);
      if (!set) perTarget.set(key, (set = new Set()));
      for (const g of groups.split(',')) set.add(g.trim());
      return;
    }
    const mark = MARK.exec(line);
    if (!mark) return;
    // Marks of one burst are printed back to back; anything else of this process in between ends it.
    if (state.burst && state.burst.lastSeen !== seen - 1) finish(name, state);
    state.burst ??= { line: i + 1, lastSeen: seen, codes: [] };
    state.burst.codes.push({ code: mark[1]!, fn: mark[2]! });
    state.burst.lastSeen = seen;
  });
  for (const [name, state] of processes) finish(name, state);
  return bursts.sort((a, b) => a.line - b.line);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { min: { type: 'string', default: '1' } } });
  const min = Number(values.min);
  if (positionals.length !== 1 || !Number.isInteger(min) || min < 1) {
    process.stderr.write('usage: npm run bench:deopts -- <log of --trace-deopt --trace-compilation-dependencies> [--min <functions per burst, 1 or more>]\n');
    process.exit(64);
  }
  for (const b of findDeoptBursts(readFileSync(positionals[0]!, 'utf8'), min)) {
    process.stdout.write(`line ${b.line}${b.process ? ` [${b.process}]` : ''}: ${b.functions.length} functions: ${b.functions.join(', ')}\n`);
    process.stdout.write(b.common.length ? b.common.map((c) => `  all depended on ${c.target} (${c.groups.join(', ')})\n`).join('') : '  no dependency in common\n');
  }
}
