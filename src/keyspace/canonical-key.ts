// One JS form per distinct key value, so that keys arriving as 42, 42n or '42' (or a uuid in upper
// case) meet in a cache or compare equal.
import { SwitchyardError } from '../util/errors.js';
import { canonicalInteger } from './integer-key.js';
import { invalidKey, KeyErrorCode } from './key-errors.js';
import type { KeyType, KeyValue } from './key-type.js';
import { canonicalUuid } from './uuid-key.js';

/**
 * The canonical form of a key value: integers as a number when safe, else decimal text; text as is;
 * uuids as lowercase 8-4-4-4-12 text. Throws the errors the hashers throw for invalid values.
 */
export function canonicalKey(type: KeyType, value: KeyValue): number | string {
  switch (type) {
    case 'int2':
    case 'int4':
    case 'int8':
      return canonicalInteger(type, value);
    case 'text':
    case 'varchar':
      if (typeof value !== 'string') throw invalidKey(type, value, 'a string');
      if (value.includes('\0')) {
        throw new SwitchyardError(
          KeyErrorCode.badCharacter,
          `shard key of type ${type} contains the character U+0000, which PostgreSQL text cannot store`,
        );
      }
      return value;
    case 'uuid':
      return canonicalUuid(value);
    default:
      throw new SwitchyardError('0A000', `shard keys of type ${String(type)} are not supported`);
  }
}
