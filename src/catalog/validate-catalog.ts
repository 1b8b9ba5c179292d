// The rules a catalog must satisfy before anyone routes by it or a store saves it. Every problem is
// reported (not just the first), each as `<path>: <what is wrong>; <what is expected>`.
import type { Catalog, ShardInfo, ShardStatus } from './catalog.js';
import { CatalogError } from './catalog-error.js';
import { formatRange, isWellFormedRange, keyspaceCoverageProblems } from './keyspace-coverage.js';
import { tableRuleProblems } from './table-rule-problems.js';

/** The statuses a shard may have, in the order DESIGN.md lists them. */
export const SHARD_STATUSES: readonly ShardStatus[] = ['active', 'migrating', 'readonly', 'inactive'];

/** Shard names go into logs, metric labels and URLs: letters, digits, `_`, `-` and `.`. */
const SHARD_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * Every problem with `catalog`, one line each (empty when it is valid): the keyspace covered by
 * exactly one shard at every point, unique shard ids and names, well-formed ranges, versions and
 * statuses, a known home shard, and sound table rules (shard keys, resolvers, co-location).
 */
export function catalogProblems(catalog: Catalog): string[] {
  const problems: string[] = [];
  if (!isVersion(catalog.version)) {
    problems.push(`version: ${catalog.version} is not a version; expected an integer >= 0`);
  }
  if (typeof catalog.updatedAt !== 'string' || Number.isNaN(Date.parse(catalog.updatedAt))) {
    problems.push(
      `updatedAt: ${JSON.stringify(catalog.updatedAt)} is not a time; expected an ISO 8601 timestamp`,
    );
  }
  const shards = catalog.shards ?? [];
  if (shards.length === 0) {
    problems.push('shards: the catalog has no shards; expected at least one');
  }
  problems.push(...shardProblems(shards));
  if (shards.length > 0) problems.push(...keyspaceCoverageProblems(shards));

  const shardNames = new Set(shards.map((shard) => shard.name));
  if (!shardNames.has(catalog.homeShard)) {
    problems.push(
      `homeShard: unknown shard "${catalog.homeShard}"; expected the name of a shard (${[...shardNames].join(', ') || 'none defined'})`,
    );
  }
  problems.push(...tableRuleProblems(catalog.tables ?? {}, shardNames));
  return problems;
}

/**
 * Returns `catalog` when it is valid, otherwise throws a `CatalogError` listing every problem.
 *
 * @example
 *   validateCatalog(catalog); // throws CatalogError: catalog version 3 is invalid:
 *   //   - keyspace: [0, 4611686018427387904) is owned by no shard (…); every point … exactly one shard
 */
export function validateCatalog(catalog: Catalog, what = `catalog version ${catalog.version}`): Catalog {
  const problems = catalogProblems(catalog);
  if (problems.length > 0) throw new CatalogError(`${what} is invalid`, problems);
  return catalog;
}

function isVersion(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function shardProblems(shards: readonly ShardInfo[]): string[] {
  const problems: string[] = [];
  const byId = new Map<number, number>();
  const byName = new Map<string, number>();
  shards.forEach((shard, i) => {
    const path = `shards[${i}]`;
    if (!Number.isSafeInteger(shard.id) || shard.id < 0) {
      problems.push(`${path}.id: ${shard.id} is not a shard id; expected an integer >= 0`);
    } else if (byId.has(shard.id)) {
      problems.push(
        `${path}.id: ${shard.id} is already the id of shards[${byId.get(shard.id)}]; shard ids must be unique`,
      );
    } else {
      byId.set(shard.id, i);
    }
    if (typeof shard.name !== 'string' || !SHARD_NAME.test(shard.name)) {
      problems.push(
        `${path}.name: ${JSON.stringify(shard.name)} is not a shard name; expected letters, digits, "_", "-" or "."`,
      );
    } else if (byName.has(shard.name)) {
      problems.push(
        `${path}.name: "${shard.name}" is already the name of shards[${byName.get(shard.name)}]; shard names must be unique`,
      );
    } else {
      byName.set(shard.name, i);
    }
    if (typeof shard.primary !== 'string' || shard.primary.trim() === '') {
      problems.push(`${path}.primary: expected the primary's connection string (postgres://… or pglite://…)`);
    }
    (shard.replicas ?? []).forEach((replica, r) => {
      if (typeof replica !== 'string' || replica.trim() === '') {
        problems.push(`${path}.replicas[${r}]: expected a replica connection string`);
      } else if (replica === shard.primary) {
        problems.push(`${path}.replicas[${r}]: the primary cannot also be a replica of its shard`);
      } else if (shard.replicas.indexOf(replica) !== r) {
        problems.push(`${path}.replicas[${r}]: replica listed twice; list each replica once`);
      }
    });
    if (!SHARD_STATUSES.includes(shard.status)) {
      problems.push(
        `${path}.status: "${shard.status}" is not a shard status; expected one of ${SHARD_STATUSES.join(', ')}`,
      );
    }
    if (!isVersion(shard.version)) {
      problems.push(`${path}.version: ${shard.version} is not a version; expected an integer >= 0`);
    }
    (shard.ranges ?? []).forEach((range, r) => {
      if (!isWellFormedRange(range)) {
        problems.push(
          `${path}.ranges[${r}]: ${formatRange(range)} is not a range of the hash space; expected ` +
            'bigint bounds with -2^63 <= start < end <= 2^63',
        );
      }
    });
  });
  return problems;
}
