// The behaviour every TxnLog must have, run against the memory, file and PostgreSQL logs.
import { afterEach, describe, expect, it } from 'vitest';
import { TxnError, TxnLogError } from '../../../src/txn/txn-errors.js';
import type { Decision, TxnLog } from '../../../src/txn/txn-log.js';

/** How the suite gets logs. */
export interface TxnLogFixture {
  /** Opens a log on fresh, empty storage for one test. */
  fresh(): Promise<TxnLog>;
  /**
   * Opens another log on the storage of the last `fresh()` (after closing `previous` when only one may
   * be open at a time); undefined for a log that keeps nothing.
   */
  reopen?(previous: TxnLog): Promise<TxnLog>;
  /** True when two logs may be open on one storage at once (several routers sharing a database). */
  readonly concurrentOpen: boolean;
}

let unique = 0;
/** A gid no other test of this process uses. */
export function testGid(tag = 't'): string {
  unique += 1;
  return `sy_test_${tag}${process.pid.toString(36)}_${unique.toString(36)}`;
}

/** Declares the shared TxnLog tests. */
export function txnLogSuite(fixture: TxnLogFixture): void {
  const opened: TxnLog[] = [];
  const open = async (log: Promise<TxnLog>) => {
    const l = await log;
    opened.push(l);
    return l;
  };
  afterEach(async () => {
    await Promise.allSettled(opened.splice(0).map((l) => l.close()));
  });

  describe('TxnLog contract', () => {
    it('keeps the first decision of a gid: a later one gets the standing decision back', async () => {
      const log = await open(fixture.fresh());
      const gid = testGid();
      expect(await log.decision(gid)).toBeUndefined();
      expect(await log.decide(gid, 'commit', ['s0', 's1'], 'r1')).toBe('commit');
      expect(await log.decide(gid, 'abort', ['s0'], 'recovery@r2')).toBe('commit');
      expect(await log.decision(gid)).toBe('commit');
      const other = testGid();
      expect(await log.decide(other, 'abort', ['s2'])).toBe('abort');
      expect(await log.decide(other, 'commit', ['s2'])).toBe('abort');
    });

    it('gives every concurrent decider of one gid the same decision', async () => {
      const log = await open(fixture.fresh());
      const second = fixture.concurrentOpen && fixture.reopen ? await open(fixture.reopen(log)) : log;
      for (let round = 0; round < 5; round++) {
        const gid = testGid('c');
        const answers = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            (i % 2 ? second : log).decide(gid, i % 3 ? 'abort' : 'commit', ['s0']),
          ),
        );
        const standing = await log.decision(gid);
        expect(standing).toBeDefined();
        expect(answers).toEqual(answers.map(() => standing));
      }
    });

    it('lists remembered decisions oldest first, with participants, decider and age', async () => {
      const log = await open(fixture.fresh());
      const a = testGid('a');
      const b = testGid('b');
      await log.decide(a, 'commit', ['s0', 's1'], 'router-1');
      await log.decide(b, 'abort', [], 'recovery@router-2');
      const pending = await log.pending();
      expect(pending.map((p) => p.gid)).toEqual([a, b]);
      expect(pending[0]).toMatchObject({
        decision: 'commit',
        participants: ['s0', 's1'],
        decidedBy: 'router-1',
      });
      expect(pending[1]).toMatchObject({
        decision: 'abort',
        participants: [],
        decidedBy: 'recovery@router-2',
      });
      for (const p of pending) expect(p.ageMs).toBeGreaterThanOrEqual(0);
    });

    it('forgets a decision, after which the gid can be decided anew; unknown gids are ignored', async () => {
      const log = await open(fixture.fresh());
      const gid = testGid('f');
      const kept = testGid('k');
      await log.decide(gid, 'abort', ['s0']);
      await log.decide(kept, 'commit', ['s0']);
      await log.forget(gid);
      await log.forget(testGid('never'));
      expect(await log.decision(gid)).toBeUndefined();
      expect((await log.pending()).map((p) => p.gid)).toEqual([kept]);
      expect(await log.decide(gid, 'commit', ['s1'])).toBe('commit');
    });

    it('refuses a bad gid, decision or participant list with 22023', async () => {
      const log = await open(fixture.fresh());
      const bad: [string, Decision, unknown][] = [
        ["x'; drop table t; --", 'commit', []],
        ['', 'commit', []],
        ['a'.repeat(200), 'commit', []],
        [testGid(), 'maybe' as Decision, []],
        [testGid(), 'commit', 's0'],
        [testGid(), 'commit', ['']],
      ];
      for (const [gid, decision, participants] of bad) {
        const error = await log.decide(gid, decision, participants as string[]).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TxnError);
        expect(error).toMatchObject({ code: '22023' });
      }
      await expect(log.decision('bad gid')).rejects.toMatchObject({ code: '22023' });
      await expect(log.forget('bad gid')).rejects.toMatchObject({ code: '22023' });
      expect(await log.pending()).toEqual([]);
    });

    it('refuses calls after close', async () => {
      const log = await fixture.fresh();
      await log.close();
      await log.close();
      const error = await log.decide(testGid(), 'commit', ['s0']).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TxnLogError);
    });

    it.skipIf(!fixture.reopen)('keeps decisions and forgets across close and reopen', async () => {
      const log = await fixture.fresh();
      const kept = testGid('k');
      const dropped = testGid('d');
      await log.decide(kept, 'commit', ['s0', 's1'], 'r1');
      await log.decide(dropped, 'abort', ['s1']);
      await log.forget(dropped);
      const again = await open(fixture.reopen!(log));
      await log.close();
      expect(await again.decision(kept)).toBe('commit');
      expect(await again.decision(dropped)).toBeUndefined();
      expect(await again.decide(kept, 'abort', ['s0'])).toBe('commit');
      expect((await again.pending()).map((p) => [p.gid, p.participants, p.decidedBy])).toEqual([
        [kept, ['s0', 's1'], 'r1'],
      ]);
    });
  });
}
