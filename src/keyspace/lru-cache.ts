// A bounded least-recently-used cache. The recency list is a doubly linked list threaded through arrays
// of slot indexes (grown as slots are first used, so a large capacity costs nothing up front), so a hit costs one Map lookup and a few integer writes; the simpler
// "delete and re-insert into a Map" LRU makes every hit two hash-table mutations (about 3x slower in
// the keyspace benchmark).

const NONE = -1;

/** An LRU cache holding at most `capacity` entries. */
export class LruCache<K, V> {
  private readonly slots = new Map<K, number>();
  private readonly keyAt: (K | undefined)[] = [];
  private readonly valueAt: (V | undefined)[] = [];
  private readonly prev: number[] = [];
  private readonly next: number[] = [];
  /** Most and least recently used slots. */
  private head = NONE;
  private tail = NONE;
  /** Slots freed by `delete` or `clear`, and the count of slots ever used. */
  private readonly free: number[] = [];
  private used = 0;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`an LRU cache needs a positive integer capacity, got ${capacity}`);
    }
  }

  /** The number of entries held. */
  get size(): number {
    return this.slots.size;
  }

  /** The value for `key`, marking it most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    if (slot !== this.head) {
      this.unlink(slot);
      this.pushFront(slot);
    }
    return this.valueAt[slot];
  }

  /** Stores `value` as the most recently used entry, evicting the least recently used beyond capacity. */
  set(key: K, value: V): void {
    let slot = this.slots.get(key);
    if (slot !== undefined) {
      this.unlink(slot);
    } else {
      slot = this.free.pop() ?? (this.used < this.capacity ? this.used++ : undefined);
      if (slot === undefined) {
        slot = this.tail;
        this.unlink(slot);
        this.slots.delete(this.keyAt[slot] as K);
      }
      this.slots.set(key, slot);
      this.keyAt[slot] = key;
    }
    this.valueAt[slot] = value;
    this.pushFront(slot);
  }

  /** Removes `key`; true when it was present. */
  delete(key: K): boolean {
    const slot = this.slots.get(key);
    if (slot === undefined) return false;
    this.unlink(slot);
    this.slots.delete(key);
    this.keyAt[slot] = undefined;
    this.valueAt[slot] = undefined;
    this.free.push(slot);
    return true;
  }

  /** Removes every entry. */
  clear(): void {
    for (const slot of this.slots.values()) {
      this.keyAt[slot] = undefined;
      this.valueAt[slot] = undefined;
      this.free.push(slot);
    }
    this.slots.clear();
    this.head = NONE;
    this.tail = NONE;
  }

  /** The keys from least to most recently used. */
  keys(): K[] {
    const keys: K[] = [];
    for (let slot = this.tail; slot !== NONE; slot = this.prev[slot]!) keys.push(this.keyAt[slot] as K);
    return keys;
  }

  private unlink(slot: number): void {
    const p = this.prev[slot]!;
    const n = this.next[slot]!;
    if (p === NONE) this.head = n;
    else this.next[p] = n;
    if (n === NONE) this.tail = p;
    else this.prev[n] = p;
  }

  private pushFront(slot: number): void {
    this.prev[slot] = NONE;
    this.next[slot] = this.head;
    if (this.head !== NONE) this.prev[this.head] = slot;
    else this.tail = slot;
    this.head = slot;
  }
}
