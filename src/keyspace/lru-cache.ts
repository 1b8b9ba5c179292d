// A bounded least-recently-used cache on a Map, whose iteration order is insertion order: a hit moves
// its entry to the end, and an insert beyond capacity evicts the first (least recently used) entry.

/** A Map-backed LRU cache holding at most `capacity` entries. */
export class LruCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`an LRU cache needs a positive integer capacity, got ${capacity}`);
    }
  }

  /** The number of entries held. */
  get size(): number {
    return this.entries.size;
  }

  /** The value for `key`, marking it most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const entries = this.entries;
    const value = entries.get(key);
    if (value !== undefined) {
      entries.delete(key);
      entries.set(key, value);
    }
    return value;
  }

  /** Stores `value` as the most recently used entry, evicting the least recently used beyond capacity. */
  set(key: K, value: V): void {
    const entries = this.entries;
    entries.delete(key);
    entries.set(key, value);
    if (entries.size > this.capacity) {
      const oldest = entries.keys().next();
      if (!oldest.done) entries.delete(oldest.value);
    }
  }

  /** Removes `key`; true when it was present. */
  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  /** Removes every entry. */
  clear(): void {
    this.entries.clear();
  }

  /** The keys from least to most recently used. */
  keys(): K[] {
    return [...this.entries.keys()];
  }
}
