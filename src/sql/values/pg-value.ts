// The JavaScript representation of a PostgreSQL value, one shape per type family, and the interface
// through which each type reads, prints, orders and groups its values.
import type { PgArray } from './pg-array.js';
import type { PgInterval } from './pg-interval.js';
import type { PgNumeric } from './pg-numeric.js';

/**
 * A PostgreSQL value (null is SQL NULL):
 * - bool → boolean; int2, int4, oid → number; int8 → bigint; float4, float8 → number
 * - numeric → PgNumeric; interval → PgInterval; bytea → Uint8Array; arrays → PgArray
 * - date → number of days since 2000-01-01 (±Infinity for ±infinity)
 * - timestamp, timestamptz → bigint microseconds since 2000-01-01 (UTC for timestamptz)
 * - text, varchar, bpchar (with its padding), name, uuid (lower-case), json, jsonb → string
 */
export type PgValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | PgNumeric
  | PgInterval
  | Uint8Array
  | PgArray;

/** A type's value semantics, keyed by OID. Methods never receive NULL (callers handle it). */
export interface PgType {
  readonly oid: number;
  /** The name PostgreSQL's format_type prints (`integer`, `numeric`, `text[]`). */
  readonly name: string;
  /** Reads the server's text output format. @throws SwitchyardError (22P02, 22007, …) on bad input. */
  parse(text: string): PgValue;
  /** Prints the value exactly as the server's output function does. */
  format(value: PgValue): string;
  /**
   * Ascending ORDER BY order (negative, 0, positive), as the type's default btree operator class.
   * @throws SwitchyardError 0A000 for types Switchyard cannot order (json, jsonb).
   */
  compare(a: PgValue, b: PgValue): number;
  /**
   * A string equal for exactly the values the type's equality operator considers equal (the
   * GROUP BY / DISTINCT key). @throws SwitchyardError 0A000 for json, which has no equality.
   */
  groupKey(value: PgValue): string;
}
