/**
 * The broadcast ramp as a picture: p50 and p99 publish→receive latency
 * against the publish rate (deliveries/s on the axis), one colour per mode.
 * Drawn as SVG and rendered to PNG by headless Chromium (playwright-core,
 * Debian's chromium); without a browser the SVG is written instead.
 */
import { writeFileSync } from 'node:fs';
import type { BenchResult } from './scenarios/common.js';
import type { RampStep } from './scenarios/broadcast.js';

const W = 900;
const H = 520;
const M = { left: 70, right: 170, top: 40, bottom: 60 };
const COLORS: Record<string, string> = { baseline: '#6b7280', embedded: '#2563eb', cluster: '#dc2626' };

export function broadcastSvg(runs: readonly BenchResult[]): string {
  const series = runs
    .filter((r) => r.scenario === 'broadcast')
    .map((r) => ({ mode: r.mode, steps: ((r.extra?.['steps'] as RampStep[] | undefined) ?? []).filter((s) => s.p99_ms !== null && s.deliveries_per_s > 0) }));
  const all = series.flatMap((s) => s.steps);
  if (all.length === 0) throw new Error('no broadcast results to plot');
  const xMin = Math.min(...all.map((s) => s.deliveries_per_s));
  const xMax = Math.max(...all.map((s) => s.deliveries_per_s));
  const yMin = Math.max(0.05, Math.min(...all.map((s) => s.p50_ms ?? 1)));
  const yMax = Math.max(...all.map((s) => s.p99_ms ?? 1), 60);
  const lx = (v: number): number => M.left + ((Math.log10(v) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin) || 1)) * (W - M.left - M.right);
  const ly = (v: number): number => H - M.bottom - ((Math.log10(Math.max(v, yMin)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * (H - M.top - M.bottom);
  const parts: string[] = [];
  for (let e = Math.floor(Math.log10(yMin)); e <= Math.ceil(Math.log10(yMax)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v < yMin || v > yMax) continue;
      parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${ly(v)}" y2="${ly(v)}" stroke="#e5e7eb"/><text x="${M.left - 8}" y="${ly(v) + 4}" text-anchor="end">${v}</text>`);
    }
  }
  for (let e = Math.floor(Math.log10(xMin)); e <= Math.ceil(Math.log10(xMax)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v < xMin || v > xMax) continue;
      const label = v >= 1e6 ? `${v / 1e6}M` : v >= 1e3 ? `${v / 1e3}k` : String(v);
      parts.push(`<line y1="${M.top}" y2="${H - M.bottom}" x1="${lx(v)}" x2="${lx(v)}" stroke="#e5e7eb"/><text x="${lx(v)}" y="${H - M.bottom + 18}" text-anchor="middle">${label}</text>`);
    }
  }
  parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${ly(50)}" y2="${ly(50)}" stroke="#f59e0b" stroke-dasharray="6 4"/><text x="${W - M.right - 4}" y="${ly(50) - 6}" text-anchor="end">50 ms (the issue’s p99 goal)</text>`);
  let legend = 0;
  for (const s of series) {
    const color = COLORS[s.mode] ?? '#000';
    for (const [q, dash] of [['p50_ms', ''], ['p99_ms', '5 3']] as const) {
      const pts = s.steps.map((st) => `${lx(st.deliveries_per_s)},${ly(st[q] ?? yMin)}`).join(' ');
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" ${dash ? `stroke-dasharray="${dash}"` : ''} points="${pts}"/>`);
      for (const st of s.steps) parts.push(`<circle cx="${lx(st.deliveries_per_s)}" cy="${ly(st[q] ?? yMin)}" r="3" fill="${color}"/>`);
      const y = M.top + 20 * legend++;
      parts.push(`<line x1="${W - M.right + 10}" x2="${W - M.right + 40}" y1="${y + 20}" y2="${y + 20}" stroke="${color}" stroke-width="2" ${dash ? `stroke-dasharray="${dash}"` : ''}/><text x="${W - M.right + 46}" y="${y + 24}">${s.mode} ${q.slice(0, 3)}</text>`);
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">broadcast: publish→receive latency vs deliveries/s (10,000 subscribers, log–log)</text>
${parts.join('\n')}
<text x="${(W - M.right + M.left) / 2}" y="${H - 16}" text-anchor="middle">deliveries per second</text>
<text transform="translate(18 ${H / 2}) rotate(-90)" text-anchor="middle">latency, ms</text>
</svg>`;
}

/** Renders the plot to `pngPath` (or `<pngPath>.svg` when no Chromium is available). */
export async function writePlot(runs: readonly BenchResult[], pngPath: string): Promise<void> {
  if (!runs.some((r) => r.scenario === 'broadcast')) return;
  const svg = broadcastSvg(runs);
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    return writeFileSync(`${pngPath}.svg`, svg);
  }
  const browser = await chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: W, height: H } });
    await page.setContent(`<html><body style="margin:0">${svg}</body></html>`);
    await page.screenshot({ path: pngPath, clip: { x: 0, y: 0, width: W, height: H } });
  } finally {
    await browser.close();
  }
}
