import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  changePosition,
  comparePositions,
  laterPosition,
  parseChangePosition,
  positionCommit,
  positionIndex,
} from './change-position.js';
import { formatLsn, parseLsn } from './lsn.js';

describe('change positions', () => {
  it('compare as strings exactly as (commit, index) pairs compare', () => {
    const pair = fc.tuple(
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      fc.integer({ min: 0, max: 0xffffffff }),
    );
    fc.assert(
      fc.property(pair, pair, ([c1, i1], [c2, i2]) => {
        const expected = c1 < c2 ? -1 : c1 > c2 ? 1 : Math.sign(i1 - i2);
        expect(comparePositions(changePosition(c1, i1), changePosition(c2, i2))).toBe(expected);
        expect(positionCommit(changePosition(c1, i1))).toBe(c1);
        expect(positionIndex(changePosition(c1, i1))).toBe(i1);
      }),
    );
  });

  it('reads back a stored position and refuses anything else', () => {
    const p = changePosition(0x16b374d848n, 2);
    expect(p).toBe('00000016B374D848/00000002');
    expect(parseChangePosition(p)).toBe(p);
    for (const bad of ['16/B374D848', '00000016b374d848/00000002', '', 42, null]) {
      expect(() => parseChangePosition(bad)).toThrow(expect.objectContaining({ code: '22023' }));
    }
    expect(() => changePosition(-1n)).toThrow(/between 0 and 2\^64-1/);
    expect(laterPosition(null, p)).toBe(p);
    expect(laterPosition(changePosition(1n), p)).toBe(p);
  });

  it('reads and prints LSNs as PostgreSQL does', () => {
    expect(parseLsn('16/B374D848')).toBe(0x16b374d848n);
    expect(formatLsn(0x16b374d848n)).toBe('16/B374D848');
    expect(formatLsn(0n)).toBe('0/0');
    expect(() => parseLsn('16-B3')).toThrow(/not a WAL position/);
  });
});
