// Turns a validated configuration into the catalog a brand-new cluster starts with: shards with
// their ranges (equal ranges or a vnode ring) and addresses, and the configured table rules.
import type { Catalog, ResolverRule, ShardedTableRule, TableRule } from '../catalog/catalog.js';
import { createCatalog } from '../catalog/create-catalog.js';
import { colocatedTable, referenceTable, shardedTable } from '../catalog/table-rules.js';
import { equalRanges } from '../keyspace/equal-ranges.js';
import type { KeyRange } from '../keyspace/key-range.js';
import { vnodeRing } from '../keyspace/vnode-ring.js';
import { ConfigError } from '../util/errors.js';
import { type ClusterConfig, shardNames, type TableConfig } from './config.js';

/** Where an embedded shard lives, relative to the cluster's data folder. */
export function embeddedShardAddress(name: string): string {
  return `pglite://shards/${name}`;
}

/** The ranges of each shard (by position) under the configured layout. */
export function initialRanges(config: ClusterConfig): KeyRange[][] {
  const count = shardNames(config).length;
  if (config.layout.type === 'equal') return equalRanges(count).map((r) => [r]);
  const map = vnodeRing(
    Array.from({ length: count }, (_, id) => ({ id })),
    { vnodes: config.layout.vnodes },
  );
  return Array.from({ length: count }, (_, id) => map.rangesOf(id));
}

/**
 * The table rules the configuration names, co-located tables after their partners (a co-located
 * table takes its partner's hasher, resolver and key types).
 */
export function tableRules(tables: Readonly<Record<string, TableConfig>>): Record<string, TableRule> {
  const rules: Record<string, TableRule> = {};
  const resolve = (name: string, seen: readonly string[]): TableRule => {
    const existing = rules[name];
    if (existing) return existing;
    const table = tables[name];
    if (!table) throw new ConfigError(`table "${name}" is not configured`);
    if (seen.includes(name)) {
      throw new ConfigError('configuration is not valid', [
        `tables.${name}.colocateWith: co-location cycle ${[...seen, name].join(' -> ')}`,
      ]);
    }
    let rule: TableRule;
    if (table.reference) rule = referenceTable();
    else if (table.colocateWith) {
      const partner = resolve(table.colocateWith, [...seen, name]) as ShardedTableRule;
      rule = colocatedTable(table.shardKey ?? [], table.colocateWith, {
        ...partner,
        ...(table.keyType ? { keyTypes: [table.keyType].flat() } : {}),
      });
    } else {
      rule = shardedTable(table.shardKey ?? [], {
        ...(table.keyType ? { keyTypes: [table.keyType].flat() } : {}),
        ...(table.hasher ? { hasher: table.hasher } : {}),
        ...(table.resolver ? { resolver: table.resolver as ResolverRule } : {}),
      });
    }
    rules[name] = rule;
    return rule;
  };
  for (const name of Object.keys(tables)) resolve(name, []);
  return rules;
}

/** The catalog of a cluster starting for the first time with `config`. */
export function initialCatalog(config: ClusterConfig): Catalog {
  const ranges = initialRanges(config);
  const shards = shardNames(config).map((name, i) => {
    const entry = Array.isArray(config.shards) ? config.shards[i] : undefined;
    return {
      name,
      ranges: ranges[i] ?? [],
      primary: entry ? entry.primary : embeddedShardAddress(name),
      replicas: entry ? entry.replicas : [],
    };
  });
  return createCatalog({
    shards,
    tables: tableRules(config.tables),
    ...(config.homeShard ? { homeShard: config.homeShard } : {}),
  });
}
