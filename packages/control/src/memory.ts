import type { Identity } from '@herald/auth';
import { DEFAULT_REVOCATION_TTL_MS, Listeners, type ControlPlane } from './plane.js';
import { buildRevocation, RevocationList, type Revocation, type RevokeInput } from './revocation.js';

export interface MemoryControlOptions {
  /** Lifetime of a revocation without `ttlMs`; should be >= the longest token lifetime. Default 24 h. */
  readonly defaultTtlMs?: number;
  readonly now?: () => number;
}

/** Embedded mode: a single process, so revocations live in memory only. */
export class MemoryControlPlane implements ControlPlane {
  readonly #list: RevocationList;
  readonly #listeners = new Listeners();
  readonly #defaultTtlMs: number;
  readonly #now: () => number;

  constructor(options: MemoryControlOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#defaultTtlMs = options.defaultTtlMs ?? DEFAULT_REVOCATION_TTL_MS;
    this.#list = new RevocationList(this.#now);
  }

  async revoke(input: RevokeInput): Promise<Revocation> {
    const now = this.#now();
    const r = buildRevocation(input, now, input.ttlMs ?? this.#defaultTtlMs, this.#list.get(input.kind, input.value, now));
    if (this.#list.add(r)) this.#listeners.emit(r);
    return r;
  }

  check(identity: Identity): Revocation | undefined {
    return this.#list.find(identity);
  }

  onRevoke(listener: (r: Revocation) => void): () => void {
    return this.#listeners.add(listener);
  }

  /** Drop expired entries (the list also drops them lazily on lookup). */
  prune(): void {
    this.#list.prune();
  }

  get size(): number {
    return this.#list.size;
  }

  async close(): Promise<void> {
    this.#listeners.clear();
  }
}
