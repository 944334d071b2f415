/**
 * `npm run bench -- <scenario|all> [options]`: runs benchmark scenarios on
 * loopback against the raw uWS baseline, embedded Herald and a NATS cluster,
 * prints a table (or JSON lines with --json) and keeps the figures in
 * loadtest/bench/results/latest.json for docs/BENCHMARKS.md and the plot.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { cpuCell, METRIC_HEADS, metricCells, rowName } from './columns.js';
import { machine } from './machine.js';
import { writePlot } from './plot.js';
import { SCENARIOS } from './scenarios/index.js';
import type { BenchResult, RunOptions } from './scenarios/common.js';
import { MODES, type Mode } from './systems.js';

const USAGE = `usage: npm run bench -- <${Object.keys(SCENARIOS).join('|')}|all> [options]
  --mode baseline,embedded,cluster   systems to run (default: all three; the baseline runs whenever another does)
  --scale 1                          multiplies connection counts (0.05 for a quick look)
  --nats-nodes 1                     nats-server nodes in cluster mode (3 = replicated, as in production)
  --profile <dir>                    edges write CPU profiles (--cpu-prof) into <dir>, load generators into <dir>/clients
  --storms 3                         connect-storm: storms on the same edges (cold, warm, steady, storm 4, …)
  --node-args="<flags>"              extra Node flags for the Herald edges (e.g. --node-args=--maglev; not the baseline)
  --sources                          run the servers from the TypeScript sources through tsx instead of the production build
  --json                             one JSON object per result row on stdout, progress on stderr
  --no-save                          do not update loadtest/bench/results/latest.json
  --no-baseline                      skip the raw uWS run (debugging one mode)`;

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      mode: { type: 'string', default: MODES.join(',') },
      scale: { type: 'string', default: '1' },
      'nats-nodes': { type: 'string', default: '1' },
      profile: { type: 'string' },
      'node-args': { type: 'string' },
      storms: { type: 'string', default: '3' },
      sources: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'no-save': { type: 'boolean', default: false },
      'no-baseline': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const names = positionals[0] === 'all' ? Object.keys(SCENARIOS) : positionals;
  if (values.help || names.length === 0 || names.some((n) => !SCENARIOS[n])) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 64;
  }
  const modes = values.mode.split(',') as Mode[];
  if (modes.some((m) => !MODES.includes(m))) {
    process.stderr.write(`unknown mode in ${values.mode}\n${USAGE}\n`);
    return 64;
  }
  const storms = Number(values.storms);
  if (!Number.isInteger(storms) || storms < 1) {
    process.stderr.write(`--storms must be a whole number of 1 or more, not ${values.storms}\n${USAGE}\n`);
    return 64;
  }
  // Every figure gets its ceiling beside it.
  if (!modes.includes('baseline') && !values['no-baseline']) modes.unshift('baseline');
  const options: RunOptions = {
    scale: Number(values.scale),
    natsNodes: Number(values['nats-nodes']),
    ...(values.profile ? { profileDir: values.profile } : {}),
    storms,
    ...(values['node-args'] ? { nodeArgs: values['node-args'].split(/\s+/).filter(Boolean) } : {}),
    fromSources: values.sources,
    log: (line) => void process.stderr.write(`${line}\n`),
  };
  const rows: BenchResult[] = [];
  for (const name of names) {
    const scenario = SCENARIOS[name]!;
    let baseline: BenchResult[] = [];
    for (const mode of MODES.filter((m) => modes.includes(m))) {
      options.log(`\n${name} · ${mode}: ${scenario.summary}`);
      const results = await scenario.run(mode, options);
      if (mode === 'baseline') baseline = results;
      for (const r of results) {
        const base = baseline.find((b) => b.variant === r.variant);
        r.baseline_deliveries_per_s = base?.deliveries_per_s ?? null;
        rows.push(r);
        if (values.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      }
    }
  }
  if (!values.json) process.stdout.write(`\n${table(rows)}\n`);
  if (!values['no-save']) await save(rows, process.argv.slice(2).join(' '));
  return 0;
}

function table(rows: readonly BenchResult[]): string {
  const head = ['scenario', 'mode', 'edges', ...METRIC_HEADS, 'cpu %'];
  const body = rows.map((r) => [r.scenario, rowName(r), String(r.edges), ...metricCells(r), cpuCell(r)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/**
 * Merge into latest.json and redraw the plot. A scenario's run in a mode replaces every row saved
 * for that scenario and mode, whatever their variant: rows of a variant the scenario no longer
 * measures would otherwise stay in the report.
 */
async function save(rows: readonly BenchResult[], args: string): Promise<void> {
  mkdirSync(RESULTS, { recursive: true });
  const file = `${RESULTS}latest.json`;
  let saved: { machine: unknown; runs: (BenchResult & { command: string; at: string })[] } = { machine: machine(), runs: [] };
  try {
    saved = JSON.parse(readFileSync(file, 'utf8')) as typeof saved;
  } catch {
    // first run
  }
  const key = (r: BenchResult): string => `${r.scenario}|${r.mode}`;
  const fresh = rows.map((r) => ({ ...r, command: `npm run bench -- ${args}`, at: new Date().toISOString() }));
  saved.runs = [...saved.runs.filter((r) => !fresh.some((f) => key(f) === key(r))), ...fresh];
  saved.machine = machine();
  writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`);
  await writePlot(saved.runs, `${RESULTS}broadcast-latency.png`).catch((err: unknown) => process.stderr.write(`plot skipped: ${String(err)}\n`));
}

process.exitCode = await main();
