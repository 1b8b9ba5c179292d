import { describe, expect, it } from 'vitest';
import { ChangeDeduplicator } from './change-deduplicator.js';
import { changePosition } from './change-position.js';

describe('ChangeDeduplicator', () => {
  it('accepts each position once per shard, in increasing order', () => {
    const seen = new ChangeDeduplicator();
    const e = (shard: string, commit: bigint, index = 0) => ({
      shard,
      position: changePosition(commit, index),
    });
    expect(seen.accept(e('s0', 5n))).toBe(true);
    expect(seen.accept(e('s0', 5n))).toBe(false);
    expect(seen.accept(e('s0', 4n, 9))).toBe(false);
    expect(seen.accept(e('s1', 1n))).toBe(true);
    expect(seen.filter([e('s0', 5n), e('s0', 5n, 1), e('s1', 1n), e('s1', 2n)]).length).toBe(2);
    const restored = new ChangeDeduplicator(seen.positions());
    expect(restored.position('s0')).toBe(changePosition(5n, 1));
    expect(restored.accept(e('s1', 2n))).toBe(false);
    expect(restored.accept(e('s1', 3n))).toBe(true);
  });

  it('refuses a stored position that is not one', () => {
    expect(() => new ChangeDeduplicator({ s0: 'nonsense' })).toThrow(/not a change position/);
  });
});
