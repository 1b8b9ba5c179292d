// Parameters are sent to both backends in text format and typed by the server, so a value means
// the same on PGlite and on PostgreSQL whatever the driver would otherwise do with it.
import type { Param } from './shard-backend.js';

/**
 * Turns parameters into their text form: numbers and bigints in decimal, booleans as `true` /
 * `false`, bytes as bytea hex (`\x0a0b`), strings unchanged, null as SQL NULL.
 */
export function encodeParams(params: readonly Param[] | undefined): (string | null)[] {
  if (!params) return [];
  return params.map((value) => {
    if (value === null) return null;
    if (typeof value === 'string') return value;
    if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`;
    return String(value);
  });
}
