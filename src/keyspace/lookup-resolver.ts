// Resolving through a directory (a table `key → shard`): each key is fetched once through an async
// function and kept in a bounded LRU cache, so a warm key resolves synchronously. Concurrent misses on
// one key share one fetch. `invalidate` drops keys whose directory entry changed (e.g. after a move).
import { SwitchyardError } from '../util/errors.js';
import { canonicalKey } from './canonical-key.js';
import type { KeyType, KeyValue } from './key-type.js';
import { LruCache } from './lru-cache.js';
import type { ShardId } from './shard-map.js';
import type { ShardResolver } from './shard-resolver.js';

/**
 * Reads the directory: the shard of a key (values in canonical form, one per column, see
 * canonicalKey), or undefined when the directory has no entry for it.
 */
export type DirectoryFetch = (key: readonly (number | string)[]) => Promise<ShardId | undefined>;

/** How a LookupResolver reads and caches the directory. */
export interface LookupOptions {
  readonly keyTypes: readonly KeyType[];
  readonly fetch: DirectoryFetch;
  /** The most keys kept in the cache (the catalog's `cacheSize`). */
  readonly cacheSize: number;
}

type CacheKey = number | string;

/**
 * Resolves keys through a directory read by `fetch`, cached (LRU, `cacheSize` keys). A cached key
 * resolves to a number synchronously; a miss returns a Promise.
 *
 * @example
 *   const r = new LookupResolver({ keyTypes: ['text'], cacheSize: 10_000, fetch: ([k]) => lookUp(k) });
 *   const shard = r.shardOf('acme');
 *   typeof shard === 'number' ? shard : await shard;
 */
export class LookupResolver implements ShardResolver {
  readonly kind = 'lookup' as const;
  readonly keyTypes: readonly KeyType[];
  private readonly fetch: DirectoryFetch;
  private readonly cache: LruCache<CacheKey, ShardId>;
  private readonly pending = new Map<CacheKey, Promise<ShardId>>();

  constructor(options: LookupOptions) {
    if (options.keyTypes.length === 0)
      throw new SwitchyardError('22023', 'a shard key needs at least one column');
    this.keyTypes = options.keyTypes;
    this.fetch = options.fetch;
    this.cache = new LruCache(options.cacheSize);
  }

  shardOf(value: KeyValue): ShardId | Promise<ShardId> {
    if (this.keyTypes.length !== 1) {
      throw new SwitchyardError(
        '22023',
        `the shard key has ${this.keyTypes.length} columns; pass one value per column to shardOfKey`,
      );
    }
    const type = this.keyTypes[0]!;
    // A text key is its own canonical form; it is validated (no U+0000) on a miss, off the hot path.
    const isText = typeof value === 'string' && (type === 'text' || type === 'varchar');
    const key = isText ? value : canonicalKey(type, value);
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    if (isText) canonicalKey(type, value);
    return this.miss(key, [key]);
  }

  shardOfKey(values: readonly KeyValue[]): ShardId | Promise<ShardId> {
    if (values.length !== this.keyTypes.length) {
      throw new SwitchyardError(
        '22023',
        `the shard key has ${this.keyTypes.length} columns, got ${values.length} values`,
      );
    }
    if (values.length === 1) return this.shardOf(values[0]!);
    const parts = values.map((v, i) => canonicalKey(this.keyTypes[i]!, v));
    // JSON keeps numbers and strings apart and delimits the columns unambiguously.
    const key = JSON.stringify(parts);
    return this.cache.get(key) ?? this.miss(key, parts);
  }

  /** Forgets one key (given as for shardOf / shardOfKey) or, with no argument, every key. */
  invalidate(key?: KeyValue | readonly KeyValue[]): void {
    if (key === undefined) {
      this.cache.clear();
      this.pending.clear();
      return;
    }
    const values = Array.isArray(key) ? (key as readonly KeyValue[]) : [key as KeyValue];
    const parts = values.map((v, i) => canonicalKey(this.keyTypes[i]!, v));
    const cacheKey = parts.length === 1 ? parts[0]! : JSON.stringify(parts);
    this.cache.delete(cacheKey);
    this.pending.delete(cacheKey);
  }

  /** The number of keys cached. */
  get cachedKeys(): number {
    return this.cache.size;
  }

  private miss(key: CacheKey, parts: readonly (number | string)[]): Promise<ShardId> {
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight;
    const fetched = this.fetch(parts).then(
      (shard) => {
        // Cache only if nobody invalidated the key while it was being fetched.
        const current = this.pending.get(key) === fetched;
        if (current) this.pending.delete(key);
        if (shard === undefined) {
          throw new SwitchyardError(
            'P0002',
            'the lookup directory has no entry for this shard key; insert the key into the directory first',
          );
        }
        if (current) this.cache.set(key, shard);
        return shard;
      },
      (error: unknown) => {
        if (this.pending.get(key) === fetched) this.pending.delete(key);
        // The fetch's own error (a server's DatabaseError, say) says more than any wrapper would.
        throw error;
      },
    );
    this.pending.set(key, fetched);
    return fetched;
  }
}
