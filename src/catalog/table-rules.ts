// Builders for table rules with the defaults a cluster uses: PostgreSQL's hasher and the hash
// resolver. Co-located tables copy their partner's placement, as validation requires.
import type { HasherName, KeyType } from '../keyspace/key-type.js';
import type { ReferenceTableRule, ResolverRule, ShardedTableRule } from './catalog.js';
import { deepFreeze } from './deep-freeze.js';

/** Optional parts of a sharded table's rule; defaults: `postgres` hasher, `hash` resolver. */
export interface ShardedTableOptions {
  readonly keyTypes?: readonly KeyType[];
  readonly hasher?: HasherName;
  readonly resolver?: ResolverRule;
}

/**
 * The rule of a table split across shards by `shardKey` (one column name or several).
 *
 * @example
 *   shardedTable('tenant_id', { keyTypes: ['int8'] })
 */
export function shardedTable(
  shardKey: string | readonly string[],
  options: ShardedTableOptions = {},
): ShardedTableRule {
  return deepFreeze({
    kind: 'sharded',
    shardKey: typeof shardKey === 'string' ? [shardKey] : [...shardKey],
    ...(options.keyTypes ? { keyTypes: [...options.keyTypes] } : {}),
    hasher: options.hasher ?? 'postgres',
    resolver: options.resolver ?? { type: 'hash' },
  });
}

/**
 * The rule of a table placed with `partnerName` (whose rule is `partner`): same hasher, resolver and
 * key types, so rows with equal keys land on the same shard and joins on the key stay local.
 *
 * @example
 *   colocatedTable('tenant_id', 'tenants', catalog.tables.tenants as ShardedTableRule)
 */
export function colocatedTable(
  shardKey: string | readonly string[],
  partnerName: string,
  partner: ShardedTableRule,
): ShardedTableRule {
  return deepFreeze({
    ...shardedTable(shardKey, {
      hasher: partner.hasher,
      resolver: partner.resolver,
      ...(partner.keyTypes ? { keyTypes: partner.keyTypes } : {}),
    }),
    colocateWith: partnerName,
  });
}

/** The rule of a small table copied whole to every shard. */
export function referenceTable(): ReferenceTableRule {
  return deepFreeze({ kind: 'reference' });
}
