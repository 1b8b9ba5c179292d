// The JSON form of a catalog, as stores keep it: the same shape as `Catalog`, with bigints written as
// decimal strings (JSON numbers lose precision past 2^53) and a `format` number for later changes.
import { z } from 'zod';
import type { KeyRange } from '../keyspace/key-range.js';
import {
  HASHER_NAMES,
  type HasherName,
  KEY_TYPES,
  type KeyType,
  type KeyValue,
} from '../keyspace/key-type.js';
import type { Catalog, ResolverRule, ShardInfo, TableRule } from './catalog.js';
import { CatalogError } from './catalog-error.js';
import { deepFreeze } from './deep-freeze.js';
import { validateCatalog } from './validate-catalog.js';

/** The document format this code writes and reads. */
export const CATALOG_FORMAT = 1;

const DECIMAL = /^-?(0|[1-9]\d*)$/;
const bigintText = z
  .string()
  .regex(DECIMAL, { error: 'expected a decimal integer string, e.g. "-9223372036854775808"' });
const version = z.int().min(0, { error: 'expected an integer >= 0' });
/** A bigint key value is tagged so it reads back as a bigint, not as the text "123". */
const keyValue = z.union([z.number(), z.string(), z.strictObject({ bigint: bigintText })], {
  error: 'expected a key value: a number, a string, or { "bigint": "<decimal>" }',
});

const rangeSchema = z.strictObject({ start: bigintText, end: bigintText });

const shardSchema = z.strictObject({
  id: z.int(),
  name: z.string(),
  ranges: z.array(rangeSchema),
  primary: z.string(),
  replicas: z.array(z.string()),
  status: z.enum(['active', 'migrating', 'readonly', 'inactive']),
  version,
});

const resolverSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('hash') }),
  z.strictObject({
    type: z.literal('range'),
    bounds: z.array(z.strictObject({ upTo: keyValue.optional(), shard: z.string() })),
  }),
  z.strictObject({ type: z.literal('lookup'), table: z.string(), cacheSize: z.int() }),
]);

const tableSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('sharded'),
    shardKey: z.array(z.string()),
    keyTypes: z.array(z.enum(KEY_TYPES as readonly [KeyType, ...KeyType[]])).optional(),
    hasher: z.enum(HASHER_NAMES as readonly [HasherName, ...HasherName[]]),
    resolver: resolverSchema,
    colocateWith: z.string().optional(),
  }),
  z.strictObject({ kind: z.literal('reference') }),
]);

const documentSchema = z.strictObject({
  format: z.literal(CATALOG_FORMAT, {
    error: `expected format ${CATALOG_FORMAT} (this Switchyard reads no other)`,
  }),
  version,
  updatedAt: z.string(),
  homeShard: z.string(),
  shards: z.array(shardSchema),
  tables: z.record(z.string(), tableSchema),
});

/** A catalog as JSON: what `catalogToDocument` returns and the stores keep. */
export type CatalogDocument = z.infer<typeof documentSchema>;
type TableDocument = z.infer<typeof tableSchema>;
type ResolverDocument = z.infer<typeof resolverSchema>;

/** The JSON document form of `catalog` (bigints as decimal strings). */
export function catalogToDocument(catalog: Catalog): CatalogDocument {
  return {
    format: CATALOG_FORMAT,
    version: catalog.version,
    updatedAt: catalog.updatedAt,
    homeShard: catalog.homeShard,
    shards: catalog.shards.map((shard) => ({
      id: shard.id,
      name: shard.name,
      ranges: shard.ranges.map((range) => ({ start: range.start.toString(), end: range.end.toString() })),
      primary: shard.primary,
      replicas: [...shard.replicas],
      status: shard.status,
      version: shard.version,
    })),
    tables: Object.fromEntries(
      Object.entries(catalog.tables).map(([name, rule]) => [name, tableToDocument(rule)]),
    ),
  };
}

function tableToDocument(rule: TableRule): TableDocument {
  if (rule.kind === 'reference') return { kind: 'reference' };
  const resolver: ResolverDocument =
    rule.resolver.type === 'range'
      ? {
          type: 'range',
          bounds: rule.resolver.bounds.map((bound) =>
            bound.upTo === undefined
              ? { shard: bound.shard }
              : { upTo: keyValueToJson(bound.upTo), shard: bound.shard },
          ),
        }
      : { ...rule.resolver };
  return {
    kind: 'sharded',
    shardKey: [...rule.shardKey],
    ...(rule.keyTypes ? { keyTypes: [...rule.keyTypes] } : {}),
    hasher: rule.hasher,
    resolver,
    ...(rule.colocateWith !== undefined ? { colocateWith: rule.colocateWith } : {}),
  };
}

function keyValueToJson(value: KeyValue): number | string | { bigint: string } {
  return typeof value === 'bigint' ? { bigint: value.toString() } : value;
}

/**
 * Reads a catalog from its JSON document (already parsed from text), checks its shape and every
 * catalog rule, and returns it frozen. `source` names where it came from in error messages.
 *
 * @throws CatalogError listing every problem, each with its path in the document.
 */
export function catalogFromDocument(document: unknown, source = 'catalog document'): Catalog {
  const parsed = documentSchema.safeParse(document);
  if (!parsed.success) {
    throw new CatalogError(
      `${source} is not a valid catalog document`,
      parsed.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`),
    );
  }
  const doc = parsed.data;
  const catalog: Catalog = {
    version: doc.version,
    shards: doc.shards.map(
      (shard): ShardInfo => ({
        ...shard,
        ranges: shard.ranges.map(
          (range): KeyRange => ({ start: BigInt(range.start), end: BigInt(range.end) }),
        ),
      }),
    ),
    tables: Object.fromEntries(
      Object.entries(doc.tables).map(([name, rule]) => [name, tableFromDocument(rule)]),
    ),
    homeShard: doc.homeShard,
    updatedAt: doc.updatedAt,
  };
  return deepFreeze(validateCatalog(catalog, source));
}

function tableFromDocument(rule: TableDocument): TableRule {
  if (rule.kind === 'reference') return { kind: 'reference' };
  const resolver: ResolverRule =
    rule.resolver.type === 'range'
      ? {
          type: 'range',
          bounds: rule.resolver.bounds.map((bound) =>
            bound.upTo === undefined
              ? { shard: bound.shard }
              : {
                  upTo: typeof bound.upTo === 'object' ? BigInt(bound.upTo.bigint) : bound.upTo,
                  shard: bound.shard,
                },
          ),
        }
      : rule.resolver;
  return { ...rule, resolver };
}

/** The catalog as JSON text (two-space indented, ending in a newline). */
export function stringifyCatalog(catalog: Catalog): string {
  return `${JSON.stringify(catalogToDocument(catalog), null, 2)}\n`;
}

/**
 * Parses catalog JSON text, as `stringifyCatalog` writes it, and validates it.
 *
 * @throws CatalogError naming `source` when the text is not JSON, not a catalog document, or breaks a rule.
 */
export function parseCatalog(text: string, source = 'catalog document'): Catalog {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    const detail = text.trim() === '' ? 'it is empty' : (error as Error).message;
    throw new CatalogError(
      `${source} is not valid JSON (${detail}); it may be truncated or not a catalog: restore it from a backup or rewrite it`,
      [],
      { cause: error },
    );
  }
  return catalogFromDocument(document, source);
}

/** `['shards', 0, 'ranges', 1, 'start']` → `shards[0].ranges[1].start`; the document itself is `(document)`. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(part))
      out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out || '(document)';
}
