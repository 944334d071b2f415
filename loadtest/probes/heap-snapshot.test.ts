import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { growthByKind, HeapSnapshot, totalBytes } from './heap-snapshot.js';

/**
 * Real V8 snapshots of a child process: one before and one after it builds 1,000 `Holder`s, each
 * owning a 64-element array and a string of its own and sharing one `Shared` object.
 */
const PROGRAM = `
const v8 = require('node:v8');
class Shared { constructor() { this.label = 'shared'; } }
class Holder { constructor(i, shared) { this.items = new Array(64).fill(i); this.name = 'holder-' + i + '-'.repeat(40); this.shared = shared; } }
v8.writeHeapSnapshot(process.argv[1] + '/before.heapsnapshot');
const shared = new Shared();
globalThis.keep = Array.from({ length: 1000 }, (_, i) => new Holder(i, shared));
v8.writeHeapSnapshot(process.argv[1] + '/after.heapsnapshot');
`;

let dir: string;
let beforeSnap: HeapSnapshot;
let afterSnap: HeapSnapshot;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'heap-snapshot-test-'));
  execFileSync(process.execPath, ['-e', PROGRAM, dir]);
  beforeSnap = HeapSnapshot.read(join(dir, 'before.heapsnapshot'));
  afterSnap = HeapSnapshot.read(join(dir, 'after.heapsnapshot'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('heap snapshots: growth by kind counts the new instances and their bytes per instance', () => {
  const growth = growthByKind(beforeSnap, afterSnap, 1000);
  const holders = growth.find((r) => r.kind === 'object:Holder');
  assert.equal(holders?.count, 1, 'one Holder per instance');
  assert.ok(holders.bytes >= 24, `a Holder has a header and three fields (${holders.bytes} B)`);
  const arrays = growth.find((r) => r.kind === 'array:(object elements)');
  assert.ok(arrays && arrays.bytes >= 64 * 8, `each holder's 64-element backing store (${arrays?.bytes} B per holder)`);
  assert.ok(totalBytes(afterSnap) - totalBytes(beforeSnap) >= 1000 * (64 * 8 + 40), 'the total grows by at least what the holders own');
});

test('heap snapshots: what one instance owns leaves out what it shares with the others', () => {
  const holders = afterSnap.instances('Holder');
  assert.equal(holders.length, 1000);
  const owned = afterSnap.ownedBy(holders[500]!, [holders[0]!, holders[999]!]);
  const paths = owned.map((o) => o.path);
  assert.ok(paths.includes('Holder'), 'the instance itself');
  assert.ok(paths.includes('Holder.items'), 'its array');
  assert.ok(paths.some((p) => p.startsWith('Holder.items.')), "the array's backing store");
  assert.ok(paths.includes('Holder.name'), 'its own string');
  assert.ok(!paths.includes('Holder.shared'), 'not the object every holder shares');
  const store = owned.find((o) => o.path.startsWith('Holder.items.'));
  assert.ok(store && store.bytes >= 64 * 8, `the backing store holds 64 elements (${store?.bytes} B)`);
});
