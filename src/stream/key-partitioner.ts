// Maps a key tuple (the group key of a change) to one of N partitions by hashing it. The hash
// functions are the keyspace's (PostgreSQL's extended hash, Murmur3, Kafka's murmur2); what this file
// adds is how a tuple that may hold NULLs and values of any type becomes one hash:
// - postgres, murmur3: each column hashes on its own and the column hashes fold with hash_combine64,
//   as the keyspace combines multi-column shard keys, so column boundaries are part of the hash
//   (("ab","c") and ("a","bc") hash differently). NULL hashes as a fixed point no value is given.
// - murmur2: Kafka hashes key bytes. A one-column key hashes as its text (what kafkajs sends for a
//   non-Buffer key), a NULL as the single byte 0x00 (no PostgreSQL text holds it); a longer key as
//   the JSON text of the tuple (`[42,"ab",null]`), whose quoting keeps the boundaries. A producer
//   keyed by `String(value)` or `JSON.stringify([...values])` picks the same partitions.
// Hot paths allocate nothing and use no BigInt for integers and strings.
import { hasherFor } from '../keyspace/hasher-for.js';
import { hashCombine64Into, toBigInt } from '../keyspace/int64.js';
import { canonicalInteger } from '../keyspace/integer-key.js';
import type { HasherName, KeyType, KeyValue } from '../keyspace/key-type.js';
import { murmur2 } from '../keyspace/murmur2.js';
import { utf8Scratch } from '../keyspace/text-key.js';
import { canonicalUuid } from '../keyspace/uuid-key.js';
import type { Row } from './routable-event.js';
import { missingKeyColumn, StreamError, StreamErrorCode } from './stream-errors.js';

/** Routes key tuples to partitions; see `keyPartitioner`. */
export interface KeyPartitioner {
  readonly partitions: number;
  /** The partition of the key whose column values `row` holds. */
  ofRow(row: Row): number;
  /** The partition of a key given as one value per key column. */
  ofKey(values: readonly unknown[]): number;
  /** The key's hash (64-bit point for postgres and murmur3, Kafka's signed 32-bit murmur2). */
  hashOfKey(values: readonly unknown[]): bigint;
}

/** Options of `keyPartitioner`. */
export interface KeyPartitionerOptions {
  /** The key columns, in order (may be empty: every key is the same, one partition). */
  readonly columns: readonly string[];
  /** Their types when known (canonicalises 42, 42n and '42'); else values hash by JavaScript type. */
  readonly types?: readonly KeyType[] | undefined;
  readonly hasher: HasherName;
  readonly partitions: number;
}

/** The most partitions a stream may have. */
export const MAX_PARTITIONS = 65_536;

// NULL's point for postgres and murmur3: the 64-bit golden ratio, which no column hash is chosen to hit.
const NULL_HI = 0x9e3779b9 | 0;
const NULL_LO = 0x7f4a7c15 | 0;
// NULL's murmur2: the byte 0x00, which no PostgreSQL text and no integer's text contains.
const NULL_MURMUR2 = murmur2(new Uint8Array([0]));
const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;
// Change capture delivers int8 as bigint; one in this range is read as a number, which hashes the
// same (equal integers hash alike in every form) without the keyspace's BigInt path.
const SAFE_MIN = BigInt(Number.MIN_SAFE_INTEGER);
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);
const TWO_32 = 4294967296;

type ValueHash = (value: unknown, out: Int32Array) => void;

/** Throws unless `partitions` is a whole number in 1..MAX_PARTITIONS. */
export function checkPartitionCount(partitions: number): void {
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
    throw new StreamError(
      StreamErrorCode.invalidOption,
      `a stream needs between 1 and ${MAX_PARTITIONS} partitions, got ${String(partitions)}`,
    );
  }
}

/**
 * A KeyPartitioner for `columns` hashed by `hasher`. Postgres and murmur3 keys take the partition
 * whose equal share of the signed 64-bit space holds the point (its high 32 bits scaled by N);
 * murmur2 keys take Kafka's `toPositive(murmur2(bytes)) % N`.
 *
 * @example
 *   const byTenant = keyPartitioner({ columns: ['tenant_id'], types: ['int8'], hasher: 'postgres', partitions: 8 });
 *   byTenant.ofRow({ tenant_id: 42, amount: 10 }); // a partition in 0..7, the same for every row of tenant 42
 */
export function keyPartitioner(options: KeyPartitionerOptions): KeyPartitioner {
  checkPartitionCount(options.partitions);
  const { columns, types } = options;
  if (types && types.length !== columns.length) {
    throw new StreamError(
      StreamErrorCode.invalidOption,
      `the key has ${columns.length} columns but ${types.length} types were given`,
    );
  }
  return options.hasher === 'murmur2'
    ? new Murmur2KeyPartitioner(columns, types, options.partitions)
    : new PointKeyPartitioner(options.hasher, columns, types, options.partitions);
}

/** postgres and murmur3: column hashes folded with hash_combine64. */
class PointKeyPartitioner implements KeyPartitioner {
  private readonly out = new Int32Array(2);
  private readonly column = new Int32Array(2);
  private readonly hashes: readonly ValueHash[];
  private readonly first: ValueHash;
  private readonly firstColumn: string;
  readonly ofRow: (row: Row) => number;

  constructor(
    hasher: 'postgres' | 'murmur3',
    private readonly columns: readonly string[],
    types: readonly KeyType[] | undefined,
    readonly partitions: number,
  ) {
    this.hashes = columns.map((column, i) => valueHash(hasher, types?.[i], column));
    this.first = this.hashes[0] ?? (() => {});
    this.firstColumn = columns[0] ?? '';
    // One column is the common case and the benchmark's: no loop, no fold.
    this.ofRow = columns.length === 1 ? (row) => this.ofSingle(row) : (row) => this.ofTuple(row);
  }

  private ofSingle(row: Row): number {
    const out = this.out;
    this.first(row[this.firstColumn], out);
    return scale(out[0]!, this.partitions);
  }

  private ofTuple(row: Row): number {
    const { out, column, hashes, columns } = this;
    out[0] = 0;
    out[1] = 0;
    for (let i = 0; i < hashes.length; i++) {
      hashes[i]!(row[columns[i]!], column);
      hashCombine64Into(out, column[0]!, column[1]!);
    }
    return scale(out[0]!, this.partitions);
  }

  private pointOf(values: readonly unknown[]): Int32Array {
    checkArity(values, this.hashes.length);
    const { out, column, hashes } = this;
    if (hashes.length === 1) {
      hashes[0]!(values[0], out);
      return out;
    }
    out[0] = 0;
    out[1] = 0;
    for (let i = 0; i < hashes.length; i++) {
      hashes[i]!(values[i], column);
      hashCombine64Into(out, column[0]!, column[1]!);
    }
    return out;
  }

  ofKey(values: readonly unknown[]): number {
    return scale(this.pointOf(values)[0]!, this.partitions);
  }

  hashOfKey(values: readonly unknown[]): bigint {
    const out = this.pointOf(values);
    return toBigInt(out[0]!, out[1]!);
  }
}

/** The partition whose equal share of the 32-bit range [-2^31, 2^31) holds `hi`. */
function scale(hi: number, partitions: number): number {
  return Math.floor(((hi ^ 0x80000000) >>> 0) * (partitions / TWO_32));
}

function checkArity(values: readonly unknown[], columns: number): void {
  if (values.length !== columns) {
    throw new StreamError(
      StreamErrorCode.invalidOption,
      `the key has ${columns} columns but ${values.length} values were given`,
    );
  }
}

/** How one key column's values hash (postgres, murmur3). */
function valueHash(name: 'postgres' | 'murmur3', type: KeyType | undefined, column: string): ValueHash {
  const hasher = hasherFor(name);
  if (type) {
    const typed = hasher.columnHash(type);
    return (value, out) => {
      if (typeof value === 'bigint' && value >= SAFE_MIN && value <= SAFE_MAX) typed(Number(value), out);
      else if (value === null) nullPoint(out);
      else if (value === undefined) throw missingKeyColumn(column);
      else typed(value as KeyValue, out);
    };
  }
  const int8 = hasher.columnHash('int8');
  const text = hasher.columnHash('text');
  return (value, out) => {
    if (typeof value === 'number') {
      if (Number.isSafeInteger(value)) int8(value, out);
      else text(String(value), out);
    } else if (typeof value === 'string') {
      text(value, out);
    } else if (typeof value === 'bigint') {
      if (value >= SAFE_MIN && value <= SAFE_MAX) int8(Number(value), out);
      else if (value >= INT8_MIN && value <= INT8_MAX) int8(value, out);
      else text(String(value), out);
    } else if (value === null) {
      nullPoint(out);
    } else if (value === undefined) {
      throw missingKeyColumn(column);
    } else {
      text(textOf(value), out);
    }
  };
}

function nullPoint(out: Int32Array): void {
  out[0] = NULL_HI;
  out[1] = NULL_LO;
}

/** The text a value of another type hashes as (booleans, dates, bytes, JSON). */
function textOf(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`;
  return JSON.stringify(value) ?? String(value);
}

/** murmur2: Kafka's hash of the key's bytes (see the file comment). */
class Murmur2KeyPartitioner implements KeyPartitioner {
  private readonly single: ((value: unknown) => number) | undefined;
  private readonly firstColumn: string;
  private readonly values: unknown[];

  constructor(
    private readonly columns: readonly string[],
    private readonly types: readonly KeyType[] | undefined,
    readonly partitions: number,
  ) {
    this.firstColumn = columns[0] ?? '';
    this.values = new Array(columns.length);
    if (columns.length === 1) {
      const type = types?.[0];
      const column = this.firstColumn;
      const decimal = type === undefined || type === 'int8';
      this.single = (value) => {
        if (typeof value === 'number' && decimal && Number.isSafeInteger(value)) return murmur2Integer(value);
        if (typeof value === 'bigint' && decimal && value >= SAFE_MIN && value <= SAFE_MAX) {
          return murmur2Integer(Number(value));
        }
        if (value === null) return NULL_MURMUR2;
        if (value === undefined) throw missingKeyColumn(column);
        return murmur2Text(type ? typedText(type, value) : plainText(value));
      };
    }
  }

  ofRow(row: Row): number {
    if (this.single) return this.toPartition(this.single(row[this.firstColumn]));
    const values = this.values;
    for (let i = 0; i < values.length; i++) values[i] = row[this.columns[i]!];
    return this.ofKey(values);
  }

  ofKey(values: readonly unknown[]): number {
    return this.toPartition(this.hash(values));
  }

  hashOfKey(values: readonly unknown[]): bigint {
    return BigInt(this.hash(values));
  }

  private toPartition(h: number): number {
    return (h & 0x7fffffff) % this.partitions;
  }

  private hash(values: readonly unknown[]): number {
    checkArity(values, this.columns.length);
    if (this.single) return this.single(values[0]);
    return murmur2Text(this.jsonText(values));
  }

  /** `[v1,v2,…]`: integers unquoted, everything else as a JSON string, NULL as null. */
  private jsonText(values: readonly unknown[]): string {
    let text = '[';
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (i > 0) text += ',';
      if (value === null) {
        text += 'null';
        continue;
      }
      if (value === undefined) throw missingKeyColumn(this.columns[i]!);
      const type = this.types?.[i];
      const plain = type ? typedText(type, value) : plainText(value);
      text += isJsonNumber(type, value) ? plain : JSON.stringify(plain);
    }
    return `${text}]`;
  }
}

/** Integers (typed or untyped) are written unquoted in a tuple's JSON text, as JSON.stringify does. */
function isJsonNumber(type: KeyType | undefined, value: unknown): boolean {
  if (type) return type === 'int2' || type === 'int4' || type === 'int8';
  return (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'bigint';
}

function typedText(type: KeyType, value: unknown): string {
  switch (type) {
    case 'int2':
    case 'int4':
    case 'int8':
      return String(canonicalInteger(type, value as KeyValue));
    case 'uuid':
      return canonicalUuid(value as KeyValue);
    default:
      if (typeof value !== 'string') return plainText(value);
      return value;
  }
}

/** What kafkajs hashes for a non-Buffer key: `String(key)`; JSON for objects. */
function plainText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return String(value);
  }
  return textOf(value);
}

const decimalBytes = new Uint8Array(24);

/** murmur2 of a safe integer's decimal text (`String(value)`), without making the string. */
function murmur2Integer(value: number): number {
  let x = value < 0 ? -value : value;
  let p = 0;
  if (value < 0) decimalBytes[p++] = 45;
  if (x < 2147483648) {
    p = writeDigits(x | 0, p, 0);
  } else {
    // Two int32 pieces: double division and modulo are several times slower than int32 arithmetic.
    const high = Math.floor(x / 1e8);
    x -= high * 1e8;
    p = writeDigits(high | 0, p, 0);
    p = writeDigits(x | 0, p, 8);
  }
  return murmur2(decimalBytes, p);
}

/** Writes the decimal digits of `x` (an int32 >= 0), zero-padded to `width`, at `p`; returns the end. */
function writeDigits(x: number, p: number, width: number): number {
  let n = 1;
  for (let t = x; t >= 10; t = (t / 10) | 0) n++;
  if (n < width) n = width;
  const end = p + n;
  for (let i = end - 1; i >= p; i--) {
    const q = (x / 10) | 0;
    decimalBytes[i] = 48 + x - q * 10;
    x = q;
  }
  return end;
}

function murmur2Text(text: string): number {
  const { bytes, length } = utf8Scratch(text, 'text');
  return murmur2(bytes, length);
}
