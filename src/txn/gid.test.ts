import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidGid } from '../backend/prepared-transactions.js';
import { branchGid, checkRouterId, GID_PREFIX, GidSequence, parseGid, transactionOf } from './gid.js';

describe('gids', () => {
  it('are valid prepared-transaction ids, unique, and parse back into their parts', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9.:-]{1,64}$/), (routerId) => {
        const sequence = new GidSequence(routerId);
        const gids = Array.from({ length: 40 }, () => sequence.next());
        expect(new Set(gids).size).toBe(gids.length);
        for (const gid of gids) {
          expect(isValidGid(gid)).toBe(true);
          expect(gid.startsWith(GID_PREFIX)).toBe(true);
          expect(gid.startsWith(sequence.prefix)).toBe(true);
          expect(parseGid(gid)).toMatchObject({ routerId, incarnation: sequence.incarnation });
        }
      }),
    );
  });

  it("name each shard's branch apart, and lead back to their transaction", () => {
    const gid = new GidSequence('router-1').next();
    const branches = ['s0', 'shard_1', 'eu-west.2'].map((shard) => branchGid(gid, shard));
    expect(new Set(branches).size).toBe(3);
    for (const branch of branches) {
      expect(isValidGid(branch)).toBe(true);
      expect(transactionOf(branch)).toBe(gid);
    }
    expect(parseGid(branches[1]!)?.shard).toBe('shard_1');
    expect(transactionOf(gid)).toBe(gid);
    expect(transactionOf('sy_foreign')).toBe('sy_foreign');
  });

  it('differ between incarnations of one router', () => {
    const first = new GidSequence('router-1');
    const second = new GidSequence('router-1');
    expect(first.incarnation).not.toBe(second.incarnation);
    expect(first.next()).not.toBe(second.next());
  });

  it('refuses router ids that would make an ambiguous or invalid gid', () => {
    for (const bad of ['', 'a_b', 'has space', 'x'.repeat(65), "quote'"]) {
      expect(() => checkRouterId(bad), bad).toThrow(/invalid router id/);
    }
    expect(() => new GidSequence('r', 'UPPER')).toThrow(/invalid incarnation/);
  });

  it('parses only gids made by a sequence', () => {
    expect(parseGid('sy_r1_abc_1')).toEqual({
      routerId: 'r1',
      incarnation: 'abc',
      sequence: '1',
      gid: 'sy_r1_abc_1',
    });
    expect(parseGid('sy_h.example:1_abc_1z.shard_7')).toEqual({
      routerId: 'h.example:1',
      incarnation: 'abc',
      sequence: '1z',
      gid: 'sy_h.example:1_abc_1z',
      shard: 'shard_7',
    });
    for (const other of ['app_1', 'sy_r1_abc', 'sy_r1_abc_1_2', 'sy__abc_1', 'sy_r1_ABC_1', 'sy_r1_abc_1.']) {
      expect(parseGid(other), other).toBeUndefined();
    }
  });
});
