// Checks the table rules of a catalog: shard keys, hashers, resolvers, and co-location (a co-located
// table must be placed exactly like its partner, or joins on the key would silently cross shards).
import { HASHER_NAMES, KEY_TYPES, type KeyValue } from '../keyspace/key-type.js';
import type { ResolverRule, ShardedTableRule, TableRule } from './catalog.js';

/** The path of a table's rule in messages: `tables.users`, or `tables["public.users"]` for other names. */
export function tablePath(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `tables.${name}` : `tables[${JSON.stringify(name)}]`;
}

/**
 * The problems with `tables` given the set of shard names: one line per broken rule, each starting
 * with the path of the offending field.
 */
export function tableRuleProblems(
  tables: Readonly<Record<string, TableRule>>,
  shardNames: ReadonlySet<string>,
): string[] {
  const problems: string[] = [];
  for (const [name, rule] of Object.entries(tables)) {
    const path = tablePath(name);
    if (name.trim() === '' || name !== name.trim()) {
      problems.push(`${path}: table name ${JSON.stringify(name)} is empty or padded; expected a table name`);
    }
    if (rule.kind === 'reference') continue;
    if (rule.kind !== 'sharded') {
      problems.push(
        `${path}.kind: ${JSON.stringify((rule as { kind: unknown }).kind)} is not a table kind; expected "sharded" or "reference"`,
      );
      continue;
    }
    problems.push(...shardedRuleProblems(path, rule, shardNames));
  }
  problems.push(...colocationProblems(tables));
  return problems;
}

function shardedRuleProblems(
  path: string,
  rule: ShardedTableRule,
  shardNames: ReadonlySet<string>,
): string[] {
  const problems: string[] = [];
  const key = rule.shardKey ?? [];
  if (key.length === 0) {
    problems.push(`${path}.shardKey: a sharded table needs a shard key; name at least one column`);
  }
  key.forEach((column, i) => {
    if (typeof column !== 'string' || column.trim() === '') {
      problems.push(`${path}.shardKey[${i}]: expected a column name`);
    } else if (key.indexOf(column) !== i) {
      problems.push(`${path}.shardKey[${i}]: column "${column}" appears twice; name each key column once`);
    }
  });
  if (rule.keyTypes !== undefined) {
    if (rule.keyTypes.length !== key.length) {
      problems.push(
        `${path}.keyTypes: ${rule.keyTypes.length} type(s) for ${key.length} shard key column(s); expected one type per key column`,
      );
    }
    rule.keyTypes.forEach((type, i) => {
      if (!KEY_TYPES.includes(type)) {
        problems.push(
          `${path}.keyTypes[${i}]: "${type}" cannot be a shard key type; expected one of ${KEY_TYPES.join(', ')}`,
        );
      }
    });
  }
  if (!HASHER_NAMES.includes(rule.hasher)) {
    problems.push(
      `${path}.hasher: "${rule.hasher}" is not a hasher; expected one of ${HASHER_NAMES.join(', ')}`,
    );
  }
  problems.push(...resolverProblems(`${path}.resolver`, rule, shardNames));
  return problems;
}

function resolverProblems(path: string, rule: ShardedTableRule, shardNames: ReadonlySet<string>): string[] {
  const resolver = rule.resolver;
  const problems: string[] = [];
  if (resolver.type === 'hash') return problems;
  if (resolver.type !== 'range' && resolver.type !== 'lookup') {
    return [
      `${path}.type: "${(resolver as { type: unknown }).type}" is not a resolver; expected hash, range or lookup`,
    ];
  }
  if (rule.shardKey.length > 1) {
    problems.push(
      `${path}: a ${resolver.type} resolver maps one key value to a shard; use a single-column shard key`,
    );
  }
  if (resolver.type === 'lookup') {
    if (typeof resolver.table !== 'string' || resolver.table.trim() === '') {
      problems.push(`${path}.table: expected the name of the directory table (key → shard name)`);
    }
    if (!Number.isSafeInteger(resolver.cacheSize) || resolver.cacheSize < 1) {
      problems.push(
        `${path}.cacheSize: ${resolver.cacheSize} is not a positive integer; expected the number of keys to cache`,
      );
    }
    return problems;
  }
  const bounds = resolver.bounds;
  if (bounds.length === 0) {
    problems.push(`${path}.bounds: a range resolver needs at least one bound`);
  }
  const integerKey = rule.keyTypes?.[0] !== undefined && ['int2', 'int4', 'int8'].includes(rule.keyTypes[0]);
  bounds.forEach((bound, i) => {
    const at = `${path}.bounds[${i}]`;
    if (!shardNames.has(bound.shard)) {
      problems.push(
        `${at}.shard: unknown shard "${bound.shard}"; expected one of ${[...shardNames].join(', ')}`,
      );
    }
    if (bound.upTo === undefined) {
      if (i !== bounds.length - 1) {
        problems.push(`${at}.upTo: only the last bound may omit upTo; give this bound an upper key`);
      }
      return;
    }
    if (integerKey && toInteger(bound.upTo) === undefined) {
      problems.push(
        `${at}.upTo: ${String(bound.upTo)} is not an integer; the shard key is an integer column`,
      );
      return;
    }
    const previous = bounds[i - 1]?.upTo;
    if (previous !== undefined && !ascending(previous, bound.upTo, integerKey)) {
      problems.push(
        `${at}.upTo: ${String(bound.upTo)} does not follow ${String(previous)}; bounds must be in strictly ascending key order`,
      );
    }
  });
  return problems;
}

function toInteger(value: KeyValue): bigint | undefined {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : undefined;
  return /^-?\d+$/.test(value) ? BigInt(value) : undefined;
}

/** Integer keys compare as integers; text compares byte-wise, as the cluster's C collation does. */
function ascending(a: KeyValue, b: KeyValue, integerKey: boolean): boolean {
  if (integerKey) {
    const ia = toInteger(a);
    const ib = toInteger(b);
    return ia !== undefined && ib !== undefined && ia < ib;
  }
  if (typeof a === 'string' && typeof b === 'string')
    return Buffer.compare(Buffer.from(a), Buffer.from(b)) < 0;
  if (typeof a !== 'string' && typeof b !== 'string') return a < b; // number and bigint compare exactly
  return true; // text against a number with no key type known: nothing sound to compare
}

function colocationProblems(tables: Readonly<Record<string, TableRule>>): string[] {
  const problems: string[] = [];
  const reportedCycles = new Set<string>();
  for (const [name, rule] of Object.entries(tables)) {
    if (rule.kind !== 'sharded' || rule.colocateWith === undefined) continue;
    const path = `${tablePath(name)}.colocateWith`;
    const partnerName = rule.colocateWith;
    const partner = tables[partnerName];
    if (partnerName === name) {
      problems.push(
        `${path}: a table cannot be co-located with itself; name another sharded table or remove colocateWith`,
      );
      continue;
    }
    if (partner === undefined) {
      problems.push(
        `${path}: unknown table "${partnerName}"; expected the name of a sharded table in this catalog`,
      );
      continue;
    }
    if (partner.kind !== 'sharded') {
      problems.push(
        `${path}: "${partnerName}" is a ${partner.kind} table; a table can only be co-located with a sharded table`,
      );
      continue;
    }
    const cycle = colocationCycle(tables, name);
    if (cycle) {
      const key = [...cycle].sort().join('\u0000');
      if (!reportedCycles.has(key)) {
        reportedCycles.add(key);
        problems.push(
          `${path}: co-location cycle ${[...cycle, name].join(' → ')}; one table of the group must be placed by its own key (no colocateWith)`,
        );
      }
      continue;
    }
    problems.push(...samePlacementProblems(name, rule, partnerName, partner));
  }
  return problems;
}

/** The tables of the cycle that `start`'s co-location chain returns to `start` through, if any. */
function colocationCycle(tables: Readonly<Record<string, TableRule>>, start: string): string[] | undefined {
  const chain: string[] = [];
  let current: string | undefined = start;
  while (current !== undefined && !chain.includes(current)) {
    chain.push(current);
    const rule: TableRule | undefined = tables[current];
    current = rule?.kind === 'sharded' ? rule.colocateWith : undefined;
  }
  return current === start ? chain : undefined;
}

function samePlacementProblems(
  name: string,
  rule: ShardedTableRule,
  partnerName: string,
  partner: ShardedTableRule,
): string[] {
  const path = tablePath(name);
  const expected = `a co-located table must be placed like "${partnerName}", the table it is co-located with`;
  const problems: string[] = [];
  if (rule.shardKey.length !== partner.shardKey.length) {
    problems.push(
      `${path}.shardKey: ${rule.shardKey.length} key column(s) but "${partnerName}" has ${partner.shardKey.length}; ${expected}`,
    );
  }
  if (rule.keyTypes && partner.keyTypes && rule.keyTypes.join(',') !== partner.keyTypes.join(',')) {
    problems.push(
      `${path}.keyTypes: (${rule.keyTypes.join(', ')}) differs from "${partnerName}"'s (${partner.keyTypes.join(', ')}); ${expected}`,
    );
  }
  if (rule.hasher !== partner.hasher) {
    problems.push(
      `${path}.hasher: ${rule.hasher} differs from "${partnerName}"'s ${partner.hasher}; ${expected}`,
    );
  }
  if (!sameResolver(rule.resolver, partner.resolver)) {
    problems.push(
      `${path}.resolver: ${describeResolver(rule.resolver)} differs from "${partnerName}"'s ${describeResolver(partner.resolver)}; ${expected}`,
    );
  }
  return problems;
}

function sameResolver(a: ResolverRule, b: ResolverRule): boolean {
  if (a.type === 'hash' || b.type === 'hash') return a.type === b.type;
  if (a.type === 'lookup' || b.type === 'lookup') {
    return a.type === 'lookup' && b.type === 'lookup' && a.table === b.table;
  }
  return (
    a.bounds.length === b.bounds.length &&
    a.bounds.every((bound, i) => {
      const other = b.bounds[i];
      return other !== undefined && bound.shard === other.shard && String(bound.upTo) === String(other.upTo);
    })
  );
}

function describeResolver(resolver: ResolverRule): string {
  if (resolver.type === 'lookup') return `lookup resolver (table ${resolver.table})`;
  if (resolver.type === 'range') return `range resolver (${resolver.bounds.length} bounds)`;
  return 'hash resolver';
}
