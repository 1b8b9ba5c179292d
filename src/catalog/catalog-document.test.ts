import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HASH_END, HASH_MIN } from '../keyspace/key-range.js';
import { HASHER_NAMES, KEY_TYPES, type KeyValue } from '../keyspace/key-type.js';
import type { Catalog, ShardedTableRule, ShardInfo, TableRule } from './catalog.js';
import {
  CATALOG_FORMAT,
  catalogFromDocument,
  catalogToDocument,
  parseCatalog,
  stringifyCatalog,
} from './catalog-document.js';
import { CatalogError } from './catalog-error.js';
import { testCatalog } from './test-catalogs.js';
import { catalogProblems } from './validate-catalog.js';

const SHARD_STATUSES = ['active', 'migrating', 'readonly', 'inactive'] as const;

/** Valid catalogs: random cut points dealt to 1–6 shards, and random sharded/co-located/reference tables. */
const catalogArbitrary: fc.Arbitrary<Catalog> = fc
  .record({
    shardCount: fc.integer({ min: 1, max: 6 }),
    cuts: fc.uniqueArray(fc.bigInt({ min: HASH_MIN + 1n, max: HASH_END - 1n }), { maxLength: 12 }),
    owners: fc.array(fc.nat(), { minLength: 13, maxLength: 13 }),
    shards: fc.array(
      fc.record({
        replicas: fc.uniqueArray(fc.webUrl(), { maxLength: 2 }),
        status: fc.constantFrom(...SHARD_STATUSES),
        version: fc.nat(),
        id: fc.nat({ max: 1000 }),
      }),
      { minLength: 6, maxLength: 6 },
    ),
    tables: fc.array(tableArbitrary(), { maxLength: 5 }),
    version: fc.nat(),
    updatedAt: fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
  })
  .map(({ shardCount, cuts, owners, shards: specs, tables, version, updatedAt }) => {
    const points = [HASH_MIN, ...[...cuts].sort((a, b) => (a < b ? -1 : 1)), HASH_END];
    const ranges = points
      .slice(1)
      .map((end, i) => ({ start: points[i]!, end, owner: owners[i]! % shardCount }));
    const shards = Array.from({ length: shardCount }, (_, i): ShardInfo => {
      const spec = specs[i]!;
      return {
        id: spec.id * 10 + i, // unique
        name: `shard_${i}`,
        ranges: ranges.filter((r) => r.owner === i).map(({ start, end }) => ({ start, end })),
        primary: `postgres://primary-${i}/db`,
        replicas: spec.replicas,
        status: spec.status,
        version: spec.version,
      };
    });
    return {
      version,
      shards,
      tables: buildTables(tables, shardCount),
      homeShard: `shard_${shardCount - 1}`,
      updatedAt: updatedAt.toISOString(),
    };
  });

type TableDraft = { kind: 'reference' } | { kind: 'sharded'; rule: ShardedTableRule; colocate: boolean };

function tableArbitrary(): fc.Arbitrary<TableDraft> {
  const sharded = fc
    .record({
      key: fc.constantFrom('id', 'tenant_id', 'code'),
      keyType: fc.option(fc.constantFrom(...KEY_TYPES), { nil: undefined }),
      hasher: fc.constantFrom(...HASHER_NAMES),
      resolver: fc.constantFrom('hash', 'range', 'lookup'),
      bounds: fc.uniqueArray(fc.oneof(fc.integer(), fc.bigInt()), { minLength: 1, maxLength: 4 }),
      textBounds: fc.uniqueArray(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 4 }),
      colocate: fc.boolean(),
      cacheSize: fc.integer({ min: 1, max: 100_000 }),
    })
    .map(({ key, keyType, hasher, resolver, bounds, textBounds, colocate, cacheSize }): TableDraft => {
      const integer = keyType === 'int2' || keyType === 'int4' || keyType === 'int8';
      const sorted: KeyValue[] = integer
        ? [...bounds].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)).filter(uniqueBig)
        : [...textBounds].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))).filter(uniqueText);
      const rule: ShardedTableRule = {
        kind: 'sharded',
        shardKey: [key],
        ...(keyType ? { keyTypes: [keyType] } : {}),
        hasher,
        resolver:
          resolver === 'hash'
            ? { type: 'hash' }
            : resolver === 'lookup'
              ? { type: 'lookup', table: `${key}_directory`, cacheSize }
              : { type: 'range', bounds: [...sorted.map((upTo) => ({ upTo, shard: '' })), { shard: '' }] },
      };
      return { kind: 'sharded', rule, colocate };
    });
  return fc.oneof(fc.constant<TableDraft>({ kind: 'reference' }), sharded);
}

function uniqueBig(value: KeyValue, i: number, all: KeyValue[]): boolean {
  return i === 0 || BigInt(all[i - 1]!) !== BigInt(value);
}
function uniqueText(value: KeyValue, i: number, all: KeyValue[]): boolean {
  return i === 0 || all[i - 1] !== value;
}

/** Names the drafts, points range bounds at real shards, and co-locates with the previous sharded table. */
function buildTables(drafts: TableDraft[], shardCount: number): Record<string, TableRule> {
  const tables: Record<string, TableRule> = {};
  let previous: [string, ShardedTableRule] | undefined;
  drafts.forEach((draft, i) => {
    const name = i % 2 ? `app.t${i}` : `t${i}`;
    if (draft.kind === 'reference') {
      tables[name] = { kind: 'reference' };
      return;
    }
    let rule = draft.rule;
    if (rule.resolver.type === 'range') {
      const bounds = rule.resolver.bounds.map((b, j) => ({ ...b, shard: `shard_${j % shardCount}` }));
      rule = { ...rule, resolver: { type: 'range', bounds } };
    }
    if (draft.colocate && previous) {
      const [partnerName, partner] = previous;
      rule = { ...partner, shardKey: rule.shardKey, colocateWith: partnerName };
    }
    tables[name] = rule;
    previous = [name, rule];
  });
  return tables;
}

describe('catalog document', () => {
  it('the generator covers the interesting cases', () => {
    const sample = fc.sample(catalogArbitrary, { numRuns: 300, seed: 7 });
    const rules = sample.flatMap((c) => Object.values(c.tables));
    const sharded = rules.filter((r): r is ShardedTableRule => r.kind === 'sharded');
    const bounds = sharded.flatMap((r) => (r.resolver.type === 'range' ? r.resolver.bounds : []));
    expect(sharded.some((r) => r.colocateWith !== undefined && r.resolver.type === 'range')).toBe(true);
    expect(sharded.some((r) => r.resolver.type === 'lookup')).toBe(true);
    expect(bounds.some((b) => typeof b.upTo === 'bigint')).toBe(true);
    expect(bounds.some((b) => typeof b.upTo === 'string')).toBe(true);
    expect(rules.some((r) => r.kind === 'reference')).toBe(true);
    expect(sample.some((c) => c.shards.some((s) => s.ranges.length > 2))).toBe(true);
    expect(sample.some((c) => c.shards.some((s) => s.ranges.length === 0))).toBe(true);
  });

  it('the generator makes valid catalogs', () => {
    fc.assert(
      fc.property(catalogArbitrary, (catalog) => {
        expect(catalogProblems(catalog)).toEqual([]);
      }),
    );
  });

  it('round-trips every valid catalog through stringify and parse', () => {
    fc.assert(
      fc.property(catalogArbitrary, (catalog) => {
        const text = stringifyCatalog(catalog);
        const parsed = parseCatalog(text);
        expect(parsed).toEqual(catalog);
        expect(stringifyCatalog(parsed)).toBe(text);
        expect(catalogFromDocument(JSON.parse(JSON.stringify(catalogToDocument(catalog))))).toEqual(catalog);
      }),
      { numRuns: 200 },
    );
  });

  it('writes bigints as decimal strings and tags bigint key values', () => {
    const catalog: Catalog = {
      ...testCatalog(2),
      tables: {
        t: {
          kind: 'sharded',
          shardKey: ['id'],
          keyTypes: ['int8'],
          hasher: 'postgres',
          resolver: { type: 'range', bounds: [{ upTo: 2n ** 62n, shard: 's0' }, { shard: 's1' }] },
        },
      },
    };
    const document = JSON.parse(stringifyCatalog(catalog));
    expect(document.format).toBe(CATALOG_FORMAT);
    expect(document.shards[1].ranges).toEqual([{ start: '0', end: '9223372036854775808' }]);
    expect(document.tables.t.resolver.bounds).toEqual([
      { upTo: { bigint: '4611686018427387904' }, shard: 's0' },
      { shard: 's1' },
    ]);
    const parsed = parseCatalog(JSON.stringify(document));
    const bound = (parsed.tables.t as ShardedTableRule).resolver;
    expect(bound.type === 'range' && bound.bounds[0]?.upTo).toBe(2n ** 62n);
  });

  it('returns frozen catalogs', () => {
    const parsed = parseCatalog(stringifyCatalog(testCatalog(2)));
    expect(Object.isFrozen(parsed.shards[0]?.ranges)).toBe(true);
    expect(() => {
      (parsed.shards as ShardInfo[]).push(parsed.shards[0]!);
    }).toThrow(TypeError);
  });

  it('names the source and each bad field by its path', () => {
    const document = catalogToDocument(testCatalog(2));
    const bad = {
      ...document,
      format: 2,
      shards: [
        { ...document.shards[0], ranges: [{ start: '-0x10', end: 5 }] },
        { ...document.shards[1], colour: 'blue' },
      ],
      tables: {
        'app.t': { kind: 'sharded', shardKey: ['id'], hasher: 'postgres', resolver: { type: 'sorted' } },
      },
    };
    let error: CatalogError | undefined;
    try {
      catalogFromDocument(bad, 'catalog file /data/catalog.json');
    } catch (e) {
      error = e as CatalogError;
    }
    expect(error).toBeInstanceOf(CatalogError);
    expect(error?.message).toMatch(/^catalog file \/data\/catalog\.json is not a valid catalog document:/);
    expect(error?.problems).toEqual([
      'format: expected format 1 (this Switchyard reads no other)',
      'shards[0].ranges[0].start: expected a decimal integer string, e.g. "-9223372036854775808"',
      'shards[0].ranges[0].end: Invalid input: expected string, received number',
      'shards[1]: Unrecognized key: "colour"',
      "tables[\"app.t\"].resolver.type: Invalid discriminator value. Expected 'hash' | 'range' | 'lookup'",
    ]);
  });

  it('applies the catalog rules after the shape, naming the source', () => {
    const document = { ...catalogToDocument(testCatalog(2)), homeShard: 's7' };
    expect(() => catalogFromDocument(document, 'catalog table x')).toThrow(
      'catalog table x is invalid:\n  - homeShard: unknown shard "s7"; expected the name of a shard (s0, s1)',
    );
  });

  it('explains text that is not JSON', () => {
    expect(() => parseCatalog('', 'catalog file f')).toThrow(
      /^catalog file f is not valid JSON \(it is empty\)/,
    );
    expect(() => parseCatalog('{"version": 1,', 'catalog file f')).toThrow(
      /^catalog file f is not valid JSON \(.+\); it may be truncated/,
    );
  });
});
