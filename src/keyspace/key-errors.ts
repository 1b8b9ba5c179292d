// The errors a bad shard key value raises. Key values are query parameters, so messages describe the
// value (its JavaScript type, its length) and never repeat it.
import { SwitchyardError } from '../util/errors.js';
import type { KeyType } from './key-type.js';

/** SQLSTATEs for bad shard key values, as PostgreSQL reports the same input errors. */
export const KeyErrorCode = {
  /** `invalid_text_representation`: not an integer, not a uuid. */
  invalidText: '22P02',
  /** `numeric_value_out_of_range`: an integer outside its type. */
  outOfRange: '22003',
  /** `character_not_in_repertoire`: a text key holding U+0000, which PostgreSQL text cannot store. */
  badCharacter: '22021',
  /** `null_value_not_allowed`: a NULL (or undefined) shard key. */
  nullValue: '22004',
} as const;

/** Says what a value is without saying what it holds. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return `a string of ${value.length} characters`;
    case 'number':
      if (Number.isNaN(value)) return 'NaN';
      if (!Number.isFinite(value)) return 'an infinite number';
      if (!Number.isInteger(value)) return 'a number with a fractional part';
      return Number.isSafeInteger(value) ? 'an integer number' : 'a number beyond 2^53 (not exact)';
    case 'bigint':
      return 'a bigint';
    default:
      return `a value of JavaScript type ${typeof value}`;
  }
}

/** A shard key value that is not valid for its column type. */
export function invalidKey(type: KeyType, value: unknown, expected: string): SwitchyardError {
  if (value === null || value === undefined) {
    return new SwitchyardError(
      KeyErrorCode.nullValue,
      `shard key of type ${type} is ${value === null ? 'NULL' : 'undefined'}; shard key columns must be NOT NULL`,
    );
  }
  return new SwitchyardError(
    KeyErrorCode.invalidText,
    `shard key of type ${type} is ${describeValue(value)}, expected ${expected}`,
  );
}

/** An integer shard key outside the range of its column type. */
export function keyOutOfRange(type: KeyType, min: string, max: string): SwitchyardError {
  return new SwitchyardError(
    KeyErrorCode.outOfRange,
    `shard key is out of range for type ${type} (it must lie between ${min} and ${max})`,
  );
}
