/**
 * Which sequence numbers of one stream a client has seen, when they may
 * arrive out of order (overlapping publishes): everything up to `base`, plus
 * a bitmap of the next WINDOW numbers. Exact duplicate detection within the
 * window, constant memory per client and stream.
 */
const WINDOW = 1024;

export class SeqWindow {
  base = 0;
  distinct = 0;
  readonly #bits = new Uint32Array(WINDOW / 32);

  /** Records `seq`; false if it was seen before (a duplicate). */
  mark(seq: number): boolean {
    if (seq <= this.base) return false;
    if (seq > this.base + WINDOW) this.#slide(seq - WINDOW);
    const i = seq % WINDOW;
    const word = i >>> 5;
    const bit = 1 << (i & 31);
    if (this.#bits[word]! & bit) return false;
    this.#bits[word]! |= bit;
    this.distinct++;
    while (this.#has(this.base + 1)) {
      this.#clear(this.base + 1);
      this.base++;
    }
    return true;
  }

  /** Forget numbers up to `to` (never seen ones stay missing: `distinct` did not count them). */
  #slide(to: number): void {
    if (to - this.base >= WINDOW) this.#bits.fill(0); // every bit is behind the new base
    else for (let s = this.base + 1; s <= to; s++) this.#clear(s);
    this.base = to;
  }

  #has(seq: number): boolean {
    const i = seq % WINDOW;
    return (this.#bits[i >>> 5]! & (1 << (i & 31))) !== 0;
  }

  #clear(seq: number): void {
    const i = seq % WINDOW;
    this.#bits[i >>> 5]! &= ~(1 << (i & 31));
  }
}
