/**
 * Reading V8 heap snapshots (`.heapsnapshot`, as written by `--heapsnapshot-signal` or
 * `v8.writeHeapSnapshot`) for the memory probes: live objects counted by kind, and the objects
 * one instance owns. A snapshot is taken after a full collection, so it holds live objects only.
 */
import { readFileSync } from 'node:fs';

interface RawSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export class HeapSnapshot {
  readonly #raw: RawSnapshot;
  readonly #nodeFields: number;
  readonly #edgeFields: number;
  readonly #firstEdge: Uint32Array;
  readonly #field: { type: number; name: number; size: number; edges: number; edgeType: number; edgeName: number; edgeTo: number };

  constructor(raw: RawSnapshot) {
    this.#raw = raw;
    const meta = raw.snapshot.meta;
    this.#nodeFields = meta.node_fields.length;
    this.#edgeFields = meta.edge_fields.length;
    this.#field = {
      type: meta.node_fields.indexOf('type'),
      name: meta.node_fields.indexOf('name'),
      size: meta.node_fields.indexOf('self_size'),
      edges: meta.node_fields.indexOf('edge_count'),
      edgeType: meta.edge_fields.indexOf('type'),
      edgeName: meta.edge_fields.indexOf('name_or_index'),
      edgeTo: meta.edge_fields.indexOf('to_node'),
    };
    // Edges are stored node after node: a node's first edge is the sum of the counts before it.
    this.#firstEdge = new Uint32Array(this.nodeCount + 1);
    let e = 0;
    for (let i = 0; i < this.nodeCount; i++) {
      this.#firstEdge[i] = e;
      e += raw.nodes[i * this.#nodeFields + this.#field.edges]! * this.#edgeFields;
    }
  }

  static read(path: string): HeapSnapshot {
    return new HeapSnapshot(JSON.parse(readFileSync(path, 'utf8')) as RawSnapshot);
  }

  get nodeCount(): number {
    return this.#raw.nodes.length / this.#nodeFields;
  }

  type(i: number): string {
    return this.#raw.snapshot.meta.node_types[0][this.#raw.nodes[i * this.#nodeFields + this.#field.type]!]!;
  }

  name(i: number): string {
    return this.#raw.strings[this.#raw.nodes[i * this.#nodeFields + this.#field.name]!]!;
  }

  selfSize(i: number): number {
    return this.#raw.nodes[i * this.#nodeFields + this.#field.size]!;
  }

  /** `type:name`, with the contents of strings, numbers and code left out (they would make every one a kind of its own). */
  kind(i: number): string {
    const type = this.type(i);
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') return 'string';
    if (type === 'number' || type === 'code' || type === 'regexp') return type;
    return `${type}:${this.name(i).slice(0, 60)}`;
  }

  /** Live objects per kind: how many, and their own bytes. */
  countByKind(): Map<string, { count: number; bytes: number }> {
    const out = new Map<string, { count: number; bytes: number }>();
    for (let i = 0; i < this.nodeCount; i++) {
      const k = this.kind(i);
      const entry = out.get(k) ?? { count: 0, bytes: 0 };
      entry.count++;
      entry.bytes += this.selfSize(i);
      out.set(k, entry);
    }
    return out;
  }

  /** Nodes of `type` `object` built by constructor `name`, in snapshot order. */
  instances(name: string): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.nodeCount; i++) if (this.type(i) === 'object' && this.name(i) === name) out.push(i);
    return out;
  }

  /**
   * Objects reachable from `root` within `depth` steps, each with the property path that reached it.
   * Not followed: weak edges, closure contexts, hidden classes, prototypes, and other instances of
   * the root's constructor (what they hold is theirs).
   */
  reachable(root: number, depth: number): Map<number, string> {
    const raw = this.#raw;
    const f = this.#field;
    const edgeTypes = raw.snapshot.meta.edge_types[0];
    const rootName = this.name(root);
    const via = new Map<number, string>([[root, rootName]]);
    let frontier = [root];
    for (let d = 0; d < depth && frontier.length > 0; d++) {
      const next: number[] = [];
      for (const from of frontier) {
        const count = raw.nodes[from * this.#nodeFields + f.edges]!;
        for (let k = 0; k < count; k++) {
          const e = this.#firstEdge[from]! + k * this.#edgeFields;
          const edgeType = edgeTypes[raw.edges[e + f.edgeType]!];
          if (edgeType === 'weak' || edgeType === 'shortcut' || edgeType === 'context') continue;
          const label = edgeType === 'element' || edgeType === 'hidden' ? `[${raw.edges[e + f.edgeName]}]` : raw.strings[raw.edges[e + f.edgeName]!]!;
          if (label === 'map' || label === '__proto__') continue;
          const to = raw.edges[e + f.edgeTo]! / this.#nodeFields;
          if (via.has(to) || this.name(to) === 'system / Context' || (this.type(to) === 'object' && this.name(to) === rootName)) continue;
          via.set(to, `${via.get(from)}.${label}`);
          next.push(to);
        }
      }
      frontier = next;
    }
    return via;
  }

  /**
   * What one instance owns: the objects reachable from it (see `reachable`) that are not
   * reachable from the `others` instances, i.e. not shared. Largest first.
   */
  ownedBy(root: number, others: readonly number[], depth = 7): { path: string; kind: string; bytes: number }[] {
    const mine = this.reachable(root, depth);
    const shared = others.map((o) => this.reachable(o, depth));
    const out: { path: string; kind: string; bytes: number }[] = [];
    for (const [node, path] of mine) {
      if (shared.some((s) => s.has(node))) continue;
      out.push({ path, kind: this.kind(node), bytes: this.selfSize(node) });
    }
    return out.sort((a, b) => b.bytes - a.bytes);
  }
}

/** Per-kind growth from `before` to `after`, divided by `per` (e.g. bytes per connection), largest first. */
export function growthByKind(before: HeapSnapshot, after: HeapSnapshot, per: number): { kind: string; count: number; bytes: number }[] {
  const base = before.countByKind();
  const rows: { kind: string; count: number; bytes: number }[] = [];
  for (const [kind, v] of after.countByKind()) {
    const b = base.get(kind) ?? { count: 0, bytes: 0 };
    rows.push({ kind, count: (v.count - b.count) / per, bytes: (v.bytes - b.bytes) / per });
  }
  return rows.sort((a, b) => b.bytes - a.bytes);
}

export function totalBytes(s: HeapSnapshot): number {
  let n = 0;
  for (let i = 0; i < s.nodeCount; i++) n += s.selfSize(i);
  return n;
}
