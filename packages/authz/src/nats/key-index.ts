/** value → cache keys, so an invalidation finds its entries without scanning the whole cache. */
export class KeyIndex {
  readonly #map = new Map<string, Set<string>>();

  add(value: string, key: string): void {
    let keys = this.#map.get(value);
    if (!keys) this.#map.set(value, (keys = new Set()));
    keys.add(key);
  }

  delete(value: string, key: string): void {
    const keys = this.#map.get(value);
    if (!keys) return;
    keys.delete(key);
    if (keys.size === 0) this.#map.delete(value);
  }

  get(value: string): readonly string[] {
    return [...(this.#map.get(value) ?? [])];
  }

  clear(): void {
    this.#map.clear();
  }
}
