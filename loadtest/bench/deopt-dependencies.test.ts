import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { findDeoptBursts } from './deopt-dependencies.js';

/**
 * The V8 behaviour `Session`'s single `#phase` field is built around (docs/benchmarks/cold-edge.md, "The
 * deoptimization at the first disconnects"), checked on this Node: a field that only its
 * initializer wrote is treated as constant by optimized code, and the first other write throws that
 * code away. Written once more early in the object's life (as `open()` writes the phase), it is
 * mutable from then on and the later write costs nothing.
 */
function traceOf(writeEarly: boolean): string {
  const program = `
    class Conn {
      #phase = 0;
      #n = 0;
      open() { ${writeEarly ? 'this.#phase = 1;' : ''} }
      touch() { if (this.#phase !== 3) this.#n++; return this.#n; }
      close() { this.#phase = 3; }
    }
    const conns = Array.from({ length: 1000 }, () => { const c = new Conn(); c.open(); return c; });
    function hot(c) { return c.touch(); }
    let sum = 0;
    for (let round = 0; round < 2000; round++) for (const c of conns) sum += hot(c);
    console.log('-- first close');
    conns[0].close();
    console.log('-- done', sum > 0);`;
  return execFileSync(process.execPath, ['--trace-deopt', '--trace-compilation-dependencies', '-e', program], { encoding: 'utf8' });
}

/** Bursts after the line that prints `marker`. */
function afterMarker(log: string, marker: string) {
  const markerLine = log.slice(0, log.indexOf(marker)).split('\n').length;
  return findDeoptBursts(log).filter((b) => b.line > markerLine);
}

test('deopt bursts: a field first written at close deoptimizes its readers, and the tool names the shape they shared', () => {
  const bursts = afterMarker(traceOf(false), '-- first close');
  const burst = bursts.find((b) => b.functions.includes('touch'));
  assert.ok(burst, `no burst with touch in ${JSON.stringify(bursts)}`);
  assert.ok(burst.functions.includes('hot'));
  assert.ok(
    burst.common.some((c) => /Map\[\d+\]/.test(c.target) && c.groups.includes('field-const')),
    JSON.stringify(burst.common),
  );
});

test('deopt bursts: the same field written once early (as open() writes the phase) is no longer a dependency to break', () => {
  assert.deepEqual(afterMarker(traceOf(true), '-- first close'), []);
});

/**
 * The other V8 behaviour the edge is built around (`loadUws` in packages/edge/src/uws.ts): optimized
 * typed-array code assumes no ArrayBuffer was ever detached, a process-wide "protector". uWS
 * detaches each received message's buffer, so the first message throws that code away, unless
 * a buffer was detached before anything was optimized.
 */
function detachTraceOf(detachFirst: boolean): string {
  const program = `
    const detach = () => { const b = new ArrayBuffer(8); structuredClone(b, { transfer: [b] }); };
    ${detachFirst ? 'detach();' : ''}
    const bytes = new Uint8Array(64).fill(7);
    function sum(a) { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]; return s; }
    let total = 0;
    for (let round = 0; round < 50000; round++) total += sum(bytes);
    console.log('-- first detach');
    detach();
    console.log('-- done', total > 0);`;
  return execFileSync(process.execPath, ['--trace-deopt', '--trace-compilation-dependencies', '-e', program], { encoding: 'utf8' });
}

test('deopt bursts: the first ArrayBuffer detach deoptimizes typed-array code, and the tool names the protector it relied on', () => {
  const burst = afterMarker(detachTraceOf(false), '-- first detach').find((b) => b.functions.includes('sum'));
  assert.ok(burst, 'no burst with sum after the first detach');
  // A protector is a property cell with an empty name; its dependency line nests `<…>` in `<…>`.
  assert.ok(
    burst.common.some((c) => /^0x[0-9a-f]+ PropertyCell name=0x[0-9a-f]+ <String\[0\]: #> value=1$/.test(c.target) && c.groups.includes('property-cell-changed')),
    JSON.stringify(burst.common),
  );
});

test('deopt bursts: a buffer detached before anything is optimized leaves no protector to break', () => {
  assert.deepEqual(afterMarker(detachTraceOf(true), '-- first detach'), []);
});

test('deopt bursts: processes are read apart, and a burst ends at the first other line of its process', () => {
  const install = (code: string, map: string, groups: string) => `Installing dependency of [${code} <Code TURBOFAN>] on [${map} <Map[40](HOLEY_ELEMENTS)>] in groups [${groups}]`;
  const mark = (code: string, fn: string) => `[marking dependent code ${code} <Code TURBOFAN> (0x9 <SharedFunctionInfo ${fn}>) (opt id 1) for deoptimization, reason: code dependencies]`;
  const log = [
    `[edge 1] ${install('0xa', '0x100', 'field-const')}`,
    `[edge 1] ${install('0xa', '0x200', 'field-type')}`,
    `[edge 1] ${install('0xb', '0x100', 'field-representation')}`,
    `[edge 2] ${install('0xa', '0x300', 'field-type')}`,
    `[edge 1] ${mark('0xa', 'open')}`,
    `[edge 2] ${mark('0xa', 'send')}`, // another process in between: edge 1's burst goes on
    `[edge 1] ${mark('0xb', '<instance_members_initializer>')}`,
    `[edge 1] connected 10/10`,
    `[edge 1] ${mark('0xa', 'open')}`,
  ].join('\n');
  assert.deepEqual(findDeoptBursts(log), [
    { process: 'edge 1', line: 5, functions: ['open', '<instance_members_initializer>'], common: [{ target: '0x100 Map[40](HOLEY_ELEMENTS)', groups: ['field-const', 'field-representation'] }] },
    { process: 'edge 2', line: 6, functions: ['send'], common: [{ target: '0x300 Map[40](HOLEY_ELEMENTS)', groups: ['field-type'] }] },
    { process: 'edge 1', line: 9, functions: ['open'], common: [{ target: '0x100 Map[40](HOLEY_ELEMENTS)', groups: ['field-const'] }, { target: '0x200 Map[40](HOLEY_ELEMENTS)', groups: ['field-type'] }] },
  ]);
});

test('deopt bursts: the command refuses a missing log or a bad --min with its usage (exit 64)', () => {
  const tool = new URL('./deopt-dependencies.ts', import.meta.url).pathname;
  for (const args of [[], ['/dev/null', '--min', 'x'], ['/dev/null', '--min', '0']]) {
    const run = spawnSync(process.execPath, ['--import', 'tsx', tool, ...args], { encoding: 'utf8' });
    assert.equal(run.status, 64, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, /^usage: npm run bench:deopts/);
  }
  assert.equal(spawnSync(process.execPath, ['--import', 'tsx', tool, '/dev/null', '--min', '2']).status, 0);
});
