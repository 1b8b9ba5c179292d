// From a plan's route to the shards it runs on, at execution time: parameters are known, so the
// key sources become values and the table's resolver (built once per catalog) places them.
import type { Catalog, ShardedTableRule } from '../catalog/catalog.js';
import { HashRangeResolver } from '../keyspace/hash-range-resolver.js';
import { hasherFor } from '../keyspace/hasher-for.js';
import type { KeyType, KeyValue } from '../keyspace/key-type.js';
import { RangeResolver } from '../keyspace/range-resolver.js';
import { ShardMap } from '../keyspace/shard-map.js';
import { SqlState } from '../util/errors.js';
import { decodeKeyParam } from './key-param.js';
import { quoted, refusalError } from './refusals.js';
import type { KeySource, Route } from './route-plan.js';
import { RoutingError } from './routing-error.js';
import { catalogKeyOfName } from './table-placement.js';

/** One Bind parameter: its bytes (null for NULL) and format code (0 text, 1 binary). */
export interface BindParam {
  readonly value: Uint8Array | null;
  readonly format: 0 | 1;
}

/** Where a route runs: named shards (one, or several the caller must refuse), or any shard. */
export type ResolvedRoute =
  | { readonly type: 'shards'; readonly shards: readonly string[] }
  | { readonly type: 'any' };

/** Places full shard keys of one table. */
export interface TableKeyResolver {
  readonly table: string;
  readonly keyTypes: readonly KeyType[];
  /** The shard name of a key given as one value per key column. */
  shardOf(values: readonly KeyValue[]): string;
}

/**
 * Resolves routes against one catalog, keeping a resolver per table. Build one per catalog version
 * (`resolveRoute` does, through a cache keyed by the catalog object).
 *
 * @example
 *   const resolver = new RouteResolver(catalog);
 *   resolver.resolve(plan.route, [{ value: Buffer.from('42'), format: 0 }]);
 *   // { type: 'shards', shards: ['s1'] }
 */
export class RouteResolver {
  private readonly tables = new Map<string, TableKeyResolver>();
  private readonly names = new Map<number, string>();
  private map: ShardMap | undefined;
  /** Names of the shards that are not retired, in id order: where `all` routes run. */
  readonly liveShards: readonly string[];

  constructor(readonly catalog: Catalog) {
    for (const shard of catalog.shards) this.names.set(shard.id, shard.name);
    this.liveShards = [...catalog.shards]
      .filter((s) => s.status !== 'inactive')
      .sort((a, b) => a.id - b.id)
      .map((s) => s.name);
  }

  /**
   * The shards `route` runs on with these Bind parameters (`paramTypes`: the Parse type OIDs).
   *
   * @throws RoutingError for a refused route, a NULL or missing key parameter (23502, 08P01), a key
   *   value invalid for its type (22P02, 22003) or a table whose key type is not known yet (55000).
   */
  resolve(
    route: Route,
    params: readonly BindParam[] = [],
    paramTypes: readonly number[] = [],
  ): ResolvedRoute {
    switch (route.type) {
      case 'any':
        return route;
      case 'shard':
        return { type: 'shards', shards: [route.shard] };
      case 'all':
        return { type: 'shards', shards: this.liveShards };
      case 'scatter':
        throw new TypeError("a scatter route is resolved through its scatter plan's own route");
      case 'refused':
        throw refusalError(route);
      case 'transaction':
        throw new TypeError('transaction control is handled by the session, not resolved to shards');
      case 'shard-key': {
        const table = this.table(route.table);
        const found = new Set<string>();
        for (const tuple of route.keys) {
          const values = tuple.map((source, i) =>
            keyValue(source, table.keyTypes[i] as KeyType, params, paramTypes),
          );
          found.add(table.shardOf(values));
        }
        return { type: 'shards', shards: this.liveShards.filter((s) => found.has(s)) };
      }
    }
  }

  /** The key resolver of sharded table `table` (a catalog name). */
  table(table: string): TableKeyResolver {
    let resolver = this.tables.get(table);
    if (!resolver) {
      resolver = this.build(table);
      this.tables.set(table, resolver);
    }
    return resolver;
  }

  private build(table: string): TableKeyResolver {
    const key = catalogKeyOfName(this.catalog, table) ?? table;
    const rule = this.catalog.tables[key];
    if (rule?.kind !== 'sharded') {
      throw new RoutingError(
        SqlState.internalError,
        `${quoted(table)} is not a sharded table of the catalog`,
      );
    }
    const keyTypes = rule.keyTypes;
    if (!keyTypes || keyTypes.length !== rule.shardKey.length) {
      throw new RoutingError(
        SqlState.objectNotInPrerequisiteState,
        `the shard key type of ${quoted(key)} is not known yet, so its rows cannot be placed`,
        'create the table through Switchyard (it learns the key type from CREATE TABLE), or set keyTypes in the catalog',
      );
    }
    const place = this.placer(key, rule, keyTypes);
    return {
      table: key,
      keyTypes,
      shardOf: (values) => {
        const id = place(values);
        const name = this.names.get(id);
        if (name === undefined)
          throw new RoutingError(SqlState.internalError, `shard id ${id} is not in the catalog`);
        return name;
      },
    };
  }

  private placer(
    key: string,
    rule: ShardedTableRule,
    keyTypes: readonly KeyType[],
  ): (values: readonly KeyValue[]) => number {
    const resolver = rule.resolver;
    if (resolver.type === 'hash') {
      this.map ??= ShardMap.fromShards(this.catalog.shards);
      const hash = new HashRangeResolver(hasherFor(rule.hasher), keyTypes, this.map);
      return (values) => hash.shardOfKey(values);
    }
    if (resolver.type === 'range') {
      const ids = new Map(this.catalog.shards.map((s) => [s.name, s.id]));
      const range = new RangeResolver(
        keyTypes[0] as KeyType,
        resolver.bounds.map((b) => ({
          ...(b.upTo !== undefined ? { upTo: b.upTo } : {}),
          shard: ids.get(b.shard) ?? -1,
        })),
      );
      return (values) => range.shardOfKey(values);
    }
    throw new RoutingError(
      SqlState.featureNotSupported,
      `${quoted(key)} is placed by a lookup table, which the router does not read yet`,
      'use a hash or range resolver for this table',
    );
  }
}

function keyValue(
  source: KeySource,
  type: KeyType,
  params: readonly BindParam[],
  paramTypes: readonly number[],
): KeyValue {
  if (source.kind === 'const') {
    if (source.value === null) throw nullKey();
    return source.value;
  }
  const param = params[source.index - 1];
  if (!param) {
    throw new RoutingError(
      '08P01',
      `the statement uses parameter $${source.index} as its shard key, but the Bind message supplies ${params.length} parameters`,
    );
  }
  if (param.value === null) throw nullKey();
  return decodeKeyParam(param.value, param.format, type, paramTypes[source.index - 1]);
}

function nullKey(): RoutingError {
  return new RoutingError(
    '23502',
    'the shard key is NULL: rows with a NULL shard key cannot be placed on any shard',
    'pass a non-NULL value for the shard key',
  );
}

const resolvers = new WeakMap<Catalog, RouteResolver>();

/**
 * `new RouteResolver(catalog).resolve(…)`, with the resolver kept for as long as the catalog object
 * lives (catalogs are immutable: a new version is a new object).
 */
export function resolveRoute(
  route: Route,
  catalog: Catalog,
  params?: readonly BindParam[],
  paramTypes?: readonly number[],
): ResolvedRoute {
  return routeResolverFor(catalog).resolve(route, params, paramTypes);
}

/** The cached RouteResolver of `catalog`. */
export function routeResolverFor(catalog: Catalog): RouteResolver {
  let resolver = resolvers.get(catalog);
  if (!resolver) {
    resolver = new RouteResolver(catalog);
    resolvers.set(catalog, resolver);
  }
  return resolver;
}
