/**
 * Fixed-bucket latency histogram: 10 µs buckets up to 100 ms, then 1 ms
 * buckets up to 10 s. Cheap to record (one array increment) and to merge
 * across processes (add the arrays), which a list of samples is not at a
 * million deliveries per second.
 */
const FINE_US = 10;
const FINE_BUCKETS = 10_000; // 0–100 ms
const COARSE_BUCKETS = 9_900; // 100 ms – 10 s
export const BUCKETS = FINE_BUCKETS + COARSE_BUCKETS + 1; // + overflow

export class Histogram {
  readonly counts = new Uint32Array(BUCKETS);
  count = 0;
  max = 0;

  record(ms: number): void {
    if (ms < 0) ms = 0; // clocks of two processes: sub-µs skew
    const fine = (ms * 1000) / FINE_US;
    let i: number;
    if (fine < FINE_BUCKETS) i = fine | 0;
    else {
      const coarse = (ms - 100) | 0;
      i = coarse < COARSE_BUCKETS ? FINE_BUCKETS + coarse : BUCKETS - 1;
    }
    this.counts[i]!++;
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  add(other: Histogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i]!;
    this.count += other.count;
    this.max = Math.max(this.max, other.max);
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.max = 0;
  }

  /** Upper bound of the bucket holding the q-quantile (0 < q ≤ 1); 0 when empty. */
  percentile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(upperMs(i), this.max);
    }
    return this.max;
  }

  /** Non-zero buckets only, for IPC. */
  toSparse(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i]) out.push([i, this.counts[i]!]);
    return out;
  }

  static fromSparse(sparse: readonly [number, number][], max: number): Histogram {
    const h = new Histogram();
    for (const [i, c] of sparse) {
      h.counts[i] = c;
      h.count += c;
    }
    h.max = max;
    return h;
  }
}

function upperMs(i: number): number {
  if (i < FINE_BUCKETS) return ((i + 1) * FINE_US) / 1000;
  if (i < BUCKETS - 1) return 100 + (i - FINE_BUCKETS + 1);
  return Infinity;
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes on one machine. */
export const nowMs = (): number => performance.timeOrigin + performance.now();
