#!/usr/bin/env node
// Runs every *.test.ts under packages/, services/ and test/ with node's built-in test runner.
// Usage: node scripts/test.mjs [path-substring ...]   (filters test files by substring)
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const roots = ['packages', 'services', 'test', 'loadtest'];
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.ts')) files.push(relative(root, p));
  }
}
for (const r of roots) {
  try { walk(join(root, r)); } catch { /* folder may not exist */ }
}
const filters = process.argv.slice(2);
const selected = files.sort().filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (selected.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// Two files at a time: the machine has two cores and the end-to-end files start real servers.
// The load-test smoke files (loadtest/, test/k6/) start clusters and hundreds of clients: they run
// afterwards, one at a time, so they neither starve nor are starved by the timing-sensitive files.
const concurrency = process.env.HERALD_TEST_CONCURRENCY ?? '2';
const isLoad = (f) => f.startsWith('loadtest/') || f.startsWith('test/k6/');
// `--test-timeout` also bounds each file as a whole (files run in their own processes). A load file
// holds several bench runs, each under its own timeout, and together they took over 120 s on a
// busy host, so the load pass gets more.
const passes = [
  { files: selected.filter((f) => !isLoad(f)), concurrency, timeoutMs: 120_000 },
  { files: selected.filter(isLoad), concurrency: '1', timeoutMs: 300_000 },
].filter((p) => p.files.length > 0);

const KEYS = ['tests', 'suites', 'pass', 'fail', 'cancelled', 'skipped', 'todo'];
const totals = Object.fromEntries(KEYS.map((k) => [k, 0]));

function run(pass) {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', `--test-concurrency=${pass.concurrency}`, `--test-timeout=${pass.timeoutMs}`, ...pass.files],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, HERALD_LOG_LEVEL: process.env.HERALD_LOG_LEVEL ?? 'silent' } },
    );
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString()).slice(-4000);
    });
    child.on('exit', (code, signal) => {
      for (const k of KEYS) totals[k] += Number(new RegExp(`^# ${k} (\\d+)$`, 'm').exec(tail)?.[1] ?? 0);
      resolve(signal ? 1 : (code ?? 1));
    });
  });
}

let failed = false;
for (const pass of passes) if ((await run(pass)) !== 0) failed = true;
if (passes.length > 1) {
  // One summary for the whole suite, last, in the runner's own format.
  process.stdout.write(`# all ${passes.length} passes\n${KEYS.map((k) => `# ${k} ${totals[k]}`).join('\n')}\n`);
}
process.exit(failed ? 1 : 0);
