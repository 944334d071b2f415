import type { BenchResult } from './scenarios/common.js';

/** The figures of a result row, as both the terminal table and docs/BENCHMARKS.md show them. */
export const METRIC_HEADS = ['connections', 'connects/s', 'deliveries/s', 'of baseline', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'RSS B/conn', 'lost', 'dup'];

/** A figure for a table: thousands separators, '–' when there is none. */
export const n = (v: number | null | undefined, digits = 0): string => (v === null || v === undefined ? '–' : v.toLocaleString('en-US', { maximumFractionDigits: digits }));

export function metricCells(r: BenchResult): string[] {
  const ofBaseline = r.mode !== 'baseline' && r.deliveries_per_s && r.baseline_deliveries_per_s ? `${Math.round((r.deliveries_per_s / r.baseline_deliveries_per_s) * 100)}%` : '–';
  return [
    n(r.connections),
    n(r.connects_per_s),
    n(r.deliveries_per_s),
    ofBaseline,
    n(r.p50_ms, 2),
    n(r.p90_ms, 2),
    n(r.p99_ms, 2),
    n(r.max_ms, 1),
    n(r.rss_per_conn_bytes),
    n(r.lost),
    n(r.duplicated),
  ];
}

/** CPU per process; `servers` leaves out the harness's own processes (load generators, probe). */
export function cpuCell(r: BenchResult, servers = false): string {
  const entries = Object.entries(r.cpu).filter(([k]) => !servers || (!k.startsWith('load') && k !== 'probe'));
  return entries.map(([k, v]) => `${k} ${v}`).join(', ') || '–';
}

export const rowName = (r: BenchResult): string => `${r.mode}${r.variant ? ` (${r.variant})` : ''}`;
