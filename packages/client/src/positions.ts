import type { Position, StreamInfo } from './wire.js';

/** stream → the newest position delivered (per tab) or to resume from (per socket). */
export type Positions = Map<string, Position>;

/** The `since` of a (re)subscribe: per stream, the older of the socket's position and any holder's floor. */
export function sinceFrom(streams: readonly StreamInfo[] | undefined, positions: Positions, floor: Positions | undefined): { epoch: string; streams: Record<string, number> } | undefined {
  const names = new Set<string>();
  for (const s of streams ?? []) if (s.history) names.add(s.stream);
  for (const name of floor?.keys() ?? []) names.add(name);
  const picked: Position[] = [];
  const byName = new Map<string, Position>();
  for (const name of names) {
    const p = positions.get(name);
    const f = floor?.get(name);
    const best = !p ? f : !f ? p : f.epoch === p.epoch && f.offset < p.offset ? f : p;
    if (!best) continue;
    picked.push(best);
    byName.set(name, best);
  }
  if (picked.length === 0) return undefined;
  // `since` has one epoch; the streams of one bus share it (a stream on another one starts over).
  const epoch = picked[0]!.epoch;
  const out: Record<string, number> = {};
  for (const [name, p] of byName) if (p.epoch === epoch) out[name] = p.offset;
  return { epoch, streams: out };
}

/** A holder's positions for the history streams of one subscription (what it announces to a new leader). */
export function positionsOf(streams: readonly StreamInfo[] | undefined, positions: Positions): Positions {
  const out: Positions = new Map();
  for (const s of streams ?? []) {
    const p = s.history ? positions.get(s.stream) : undefined;
    if (p) out.set(s.stream, p);
  }
  return out;
}

/** Merge a holder's announced positions into a key's floor, keeping the older of each. */
export function lowerFloor(floor: Positions | undefined, announced: Positions): Positions {
  const out: Positions = floor ?? new Map();
  for (const [stream, p] of announced) {
    const f = out.get(stream);
    if (!f || (f.epoch === p.epoch && p.offset < f.offset)) out.set(stream, p);
  }
  return out;
}

/** Whether a floor stands before the positions the socket would resume from (then: subscribe again from it). */
export function isBehind(floor: Positions | undefined, positions: Positions): boolean {
  for (const [stream, f] of floor ?? []) {
    const p = positions.get(stream);
    if (!p || (p.epoch === f.epoch && f.offset < p.offset)) return true;
  }
  return false;
}

/** Advance to a newer position (or another epoch); never back. */
export function advance(positions: Positions, stream: string, epoch: string, offset: number): void {
  const p = positions.get(stream);
  if (!p || p.epoch !== epoch || offset > p.offset) positions.set(stream, { epoch, offset });
}

/** A live subscription's streams at the newest positions delivered: where a late joiner starts. */
export function snapshot(streams: readonly StreamInfo[] | undefined, positions: Positions): StreamInfo[] {
  return (streams ?? []).map((s) => {
    const p = s.history ? positions.get(s.stream) : undefined;
    return p ? { ...s, epoch: p.epoch, offset: p.offset } : s;
  });
}
