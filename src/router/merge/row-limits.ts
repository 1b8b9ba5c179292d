// LIMIT and OFFSET of a merged read, resolved per execution: constants from the plan, parameters
// from Bind. The shards ran LIMIT limit+offset without OFFSET, so both are applied once, here.
import { SwitchyardError } from '../../util/errors.js';
import type { CountSource, TextValue } from './merge-plan.js';

/** The rows to skip and the most rows to return (undefined: no limit). */
export interface RowLimits {
  readonly offset: bigint;
  readonly limit: bigint | undefined;
}

/**
 * Resolves LIMIT and OFFSET as PostgreSQL does: NULL means no limit and no offset, a negative
 * value is an error (2201W, 2201X) that the merge must raise itself, since the shards only saw the
 * sum of the two.
 *
 * @throws SwitchyardError 2201W / 2201X for a negative value, 22P02 for a parameter that is not an integer.
 */
export function resolveRowLimits(
  limit: CountSource | undefined,
  offset: CountSource | undefined,
  params: readonly TextValue[],
): RowLimits {
  const l = countValue(limit, params);
  const o = countValue(offset, params);
  if (l !== null && l < 0n) throw new SwitchyardError('2201W', 'LIMIT must not be negative');
  if (o !== null && o < 0n) throw new SwitchyardError('2201X', 'OFFSET must not be negative');
  return { offset: o ?? 0n, limit: l ?? undefined };
}

function countValue(source: CountSource | undefined, params: readonly TextValue[]): bigint | null {
  if (source === undefined) return null;
  const text = source.kind === 'const' ? source.value : (params[source.index - 1] ?? null);
  if (text === null) return null;
  const trimmed = text.trim();
  if (!/^[+-]?\d+$/.test(trimmed)) {
    throw new SwitchyardError('22P02', 'invalid input syntax for type bigint in LIMIT or OFFSET');
  }
  return BigInt(trimmed);
}
