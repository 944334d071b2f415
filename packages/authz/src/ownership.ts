/**
 * Resource ownership: which account owns `ai_conversation 42`. Producers write
 * it (producer SDK / `PUT /v1/owners/...`); `owner` rules read it. In cluster
 * mode it lives in the NATS KV bucket `herald_owners`.
 */
export interface OwnershipReader {
  getOwner(resourceType: string, resourceId: string): Promise<string | undefined>;
}

export interface OwnershipStore extends OwnershipReader {
  setOwner(resourceType: string, resourceId: string, accountId: string): Promise<void>;
  deleteOwner(resourceType: string, resourceId: string): Promise<void>;
}

export type OwnershipChange = { resourceType: string; resourceId: string; accountId: string | undefined };

/** In-process store for embedded mode and tests; bounded only by what producers write. */
export class MemoryOwnershipStore implements OwnershipStore {
  readonly #owners = new Map<string, string>();
  readonly #listeners = new Set<(change: OwnershipChange) => void>();

  async getOwner(resourceType: string, resourceId: string): Promise<string | undefined> {
    return this.#owners.get(key(resourceType, resourceId));
  }

  async setOwner(resourceType: string, resourceId: string, accountId: string): Promise<void> {
    const k = key(resourceType, resourceId);
    if (this.#owners.get(k) === accountId) return;
    this.#owners.set(k, accountId);
    this.#emit({ resourceType, resourceId, accountId });
  }

  async deleteOwner(resourceType: string, resourceId: string): Promise<void> {
    if (this.#owners.delete(key(resourceType, resourceId))) this.#emit({ resourceType, resourceId, accountId: undefined });
  }

  /** Called after every change, so the edge can drop subscriptions that lost access. */
  onChange(listener: (change: OwnershipChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(change: OwnershipChange): void {
    for (const l of this.#listeners) l(change);
  }
}

const key = (resourceType: string, resourceId: string): string => `${resourceType}\u0000${resourceId}`;
