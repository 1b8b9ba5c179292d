import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { equalRanges } from './equal-ranges.js';
import { HASH_END, HASH_MIN, type KeyRange } from './key-range.js';
import { rangePredicateSql } from './range-predicate-sql.js';

/** Evaluates a predicate over the point `p` by turning its SQL into JS with bigint literals. */
function holds(predicate: string, point: bigint): boolean {
  const js = predicate
    .replaceAll(' AND ', ' && ')
    .replaceAll(' OR ', ' || ')
    .replace(/(-?\d+)/g, '$1n');
  return new Function('p', `return ${js};`)(point) as boolean;
}

describe('rangePredicateSql', () => {
  it('leaves out the bounds at the ends of the space and joins adjacent ranges', () => {
    const [low, high] = equalRanges(2) as [KeyRange, KeyRange];
    expect(rangePredicateSql('h', [high])).toBe('h >= 0');
    expect(rangePredicateSql('h', [low])).toBe('h < 0');
    expect(rangePredicateSql('h', [high, low])).toBe('true');
    expect(rangePredicateSql('h', [])).toBe('false');
    expect(
      rangePredicateSql('h', [
        { start: 1n, end: 5n },
        { start: 9n, end: 12n },
      ]),
    ).toBe('(h >= 1 AND h < 5) OR (h >= 9 AND h < 12)');
  });

  it('holds exactly for the points of the ranges', () => {
    const point = fc.bigInt({ min: HASH_MIN, max: HASH_END - 1n });
    fc.assert(
      fc.property(
        fc.uniqueArray(point, { minLength: 1, maxLength: 12 }),
        fc.array(point, { maxLength: 30 }),
        (cuts, probes) => {
          const starts = [HASH_MIN, ...cuts.filter((c) => c > HASH_MIN).sort((a, b) => (a < b ? -1 : 1))];
          const all = starts.map((start, i) => ({ start, end: starts[i + 1] ?? HASH_END }));
          const owned = all.filter((_, i) => i % 3 !== 1);
          const predicate = rangePredicateSql('p', owned);
          for (const p of [...probes, ...all.flatMap((r) => [r.start, r.end - 1n])]) {
            expect(holds(predicate, p)).toBe(owned.some((r) => r.start <= p && p < r.end));
          }
        },
      ),
    );
  });
});
