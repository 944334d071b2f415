/**
 * `npm run bench:report`: writes the figures of loadtest/bench/results/latest.json
 * into docs/BENCHMARKS.md (between the results markers) and copies the plot
 * next to it, so the document always shows what the harness last measured,
 * with the command that measured it.
 */
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cpuCell, METRIC_HEADS, metricCells, n, rowName } from './columns.js';
import type { BenchResult } from './scenarios/common.js';

type Saved = { machine: Record<string, string | number>; runs: (BenchResult & { command: string; at: string })[] };

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const DOC = fileURLToPath(new URL('../../docs/BENCHMARKS.md', import.meta.url));
const START = '<!-- results:start -->';
const END = '<!-- results:end -->';
const ORDER = ['idle', 'connect-storm', 'broadcast', 'many-streams', 'resume', 'token-stream'];
const MODES = ['baseline', 'embedded', 'cluster'];

function table(rows: Saved['runs']): string {
  const head = ['mode', 'edges', ...METRIC_HEADS, 'server CPU %'];
  const body = rows.map((r) => [rowName(r), String(r.edges), ...metricCells(r), cpuCell(r, true)]);
  return [head, head.map(() => '---'), ...body].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function extras(rows: Saved['runs']): string {
  const lines: string[] = [];
  for (const r of rows) {
    const e = r.extra ?? {};
    const keep = Object.entries(e).filter(([k]) => k !== 'steps');
    if (keep.length) lines.push(`- ${rowName(r)}: ${keep.map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join('; ')}`);
    const steps = e['steps'] as { rate: number; kept_up: boolean; deliveries_per_s: number; p50_ms: number; p99_ms: number; client_p99_ms: number }[] | undefined;
    if (steps) {
      lines.push(`  - ramp (events/s → deliveries/s, p50/p99 ms, kept up): ${steps.map((s) => `${s.rate} → ${n(s.deliveries_per_s)}, ${s.p50_ms}/${s.p99_ms}${s.kept_up ? '' : ' ✗'}`).join(' · ')}`);
    }
  }
  return lines.join('\n');
}

const saved = JSON.parse(readFileSync(`${RESULTS}latest.json`, 'utf8')) as Saved;
const parts: string[] = [];
const m = saved.machine;
parts.push(`Measured on: ${m['cpu']}, ${m['cores']} cores, ${m['memory_gib']} GiB, Linux ${m['kernel']}, Node ${m['node']}, ${m['nats_server']}.`);
for (const scenario of ORDER) {
  const rows = saved.runs
    .filter((r) => r.scenario === scenario)
    // Within a mode, in the order the scenario ran them (cold, warm, steady edge).
    .sort((a, b) => MODES.indexOf(a.mode) - MODES.indexOf(b.mode));
  if (rows.length === 0) continue;
  const commands = [...new Set(rows.map((r) => r.command))];
  parts.push(`### ${scenario}\n\n${commands.map((c) => `\`${c}\``).join(', ')} (${rows[0]!.at.slice(0, 10)})\n\n${table(rows)}\n\n${extras(rows)}`);
}
if (existsSync(`${RESULTS}broadcast-latency.png`)) {
  copyFileSync(`${RESULTS}broadcast-latency.png`, fileURLToPath(new URL('../../docs/img/broadcast-latency.png', import.meta.url)));
}
const doc = readFileSync(DOC, 'utf8');
const from = doc.indexOf(START);
const to = doc.indexOf(END);
if (from < 0 || to < 0) throw new Error(`docs/BENCHMARKS.md needs ${START} and ${END}`);
writeFileSync(DOC, `${doc.slice(0, from + START.length)}\n${parts.join('\n\n')}\n${doc.slice(to)}`);
process.stderr.write('docs/BENCHMARKS.md updated\n');
