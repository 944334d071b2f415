import type { Identity } from '@herald/auth';
import type { Revocation, RevokeInput } from './revocation.js';

export interface ControlPlane {
  revoke(input: RevokeInput): Promise<Revocation>;
  /** Synchronous: the edge calls it on every upgrade. */
  check(identity: Identity): Revocation | undefined;
  /** Called once per new revocation (local or from another pod), so the edge can close matching sockets. */
  onRevoke(listener: (r: Revocation) => void): () => void;
  close(): Promise<void>;
}

export const DEFAULT_REVOCATION_TTL_MS = 24 * 3600_000;

/** Revocation listeners; one that throws must not stop the others nor fail the revoke that triggered it. */
export class Listeners {
  readonly #set = new Set<(r: Revocation) => void>();

  add(listener: (r: Revocation) => void): () => void {
    // Wrap so the same function registered twice gets two independent registrations.
    const entry = (r: Revocation): void => listener(r);
    this.#set.add(entry);
    return () => {
      this.#set.delete(entry);
    };
  }

  emit(r: Revocation): void {
    for (const listener of [...this.#set]) {
      try {
        listener(r);
      } catch {
        // A listener's bug is its own; the revocation is already in force.
      }
    }
  }

  clear(): void {
    this.#set.clear();
  }
}
