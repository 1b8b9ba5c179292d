// Two-phase commit against real shards, run for embedded (PGlite) shards with the file log and for
// PostgreSQL shards with the log table: a coordinator "crashes" at each step of the protocol (a hook
// throws, its connections are dropped), the router restarts (log and backends reopened) and a new
// Coordinator recovers; the transaction must then be wholly committed or wholly absent, with no
// prepared transaction left on any shard. Then recoveries by other routers run while a commit is in
// flight, and must never split it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Coordinator, type CoordinatorOptions } from '../../src/txn/coordinator.js';
import type { CommitHooks } from '../../src/txn/two-phase-commit.js';
import {
  beginOn,
  gate,
  holding,
  type OpenedShards,
  preparedAnywhere,
  type RealShardsFixture,
  rowsByShard,
} from './support/real-shards.js';

class Crash extends Error {}

const noop = () => {};

/** A crash scenario: the hooks that crash, and what must hold before and after recovery. */
interface CrashCase {
  readonly name: string;
  hooks(shards: readonly string[], crash: Crash): CommitHooks;
  /** Shards holding the gid prepared right after the crash. */
  holders(shards: readonly string[]): string[];
  readonly expected: 'committed' | 'absent';
  /** Statements to add to a shard's transaction (to make its PREPARE fail). */
  statements?(shards: readonly string[]): Record<string, string[]>;
  /** The router that recovers: the same one restarted (default) or another one. */
  readonly recoveredBy?: string;
  /** The log's decision for the gid after recovery. */
  readonly decisionAfter: 'commit' | 'abort' | undefined;
}

const failingPrepare = 'INSERT INTO txn_unique VALUES (1), (1)';

const crashCases: CrashCase[] = [
  {
    name: 'before the first PREPARE',
    hooks: (shards, crash) => ({
      at: (step, shard) => {
        if (step === 'before-prepare' && shard === shards[0]) throw crash;
      },
    }),
    holders: () => [],
    expected: 'absent',
    decisionAfter: undefined,
  },
  {
    name: 'after some PREPAREs',
    hooks: (shards, crash) => {
      const others = gate();
      return {
        at: async (step, shard) => {
          if (step === 'before-prepare' && shard !== shards[0]) await others.wait;
          if (step === 'after-prepare' && shard === shards[0]) {
            others.open();
            throw crash;
          }
        },
      };
    },
    holders: (shards) => [shards[0]!],
    expected: 'absent',
    decisionAfter: 'abort',
  },
  {
    name: 'after every PREPARE, before the decision',
    hooks: (shards, crash) => {
      let prepared = 0;
      return {
        at: (step) => {
          if (step === 'after-prepare' && ++prepared === shards.length) throw crash;
        },
      };
    },
    holders: (shards) => [...shards],
    expected: 'absent',
    decisionAfter: 'abort',
  },
  {
    name: 'after the commit decision',
    hooks: (_, crash) => ({
      at: (step) => {
        if (step === 'after-decision') throw crash;
      },
    }),
    holders: (shards) => [...shards],
    expected: 'committed',
    decisionAfter: undefined,
  },
  {
    name: 'after some COMMIT PREPAREDs',
    hooks: (shards, crash) => {
      const others = gate();
      return {
        at: async (step, shard) => {
          if (step === 'before-commit' && shard !== shards[0]) await others.wait;
          if (step === 'after-commit' && shard === shards[0]) {
            others.open();
            throw crash;
          }
        },
      };
    },
    holders: (shards) => shards.slice(1),
    expected: 'committed',
    decisionAfter: undefined,
  },
  {
    name: 'after every COMMIT PREPARED, before the decision is forgotten',
    hooks: (shards, crash) => {
      let committed = 0;
      return {
        at: (step) => {
          if (step === 'after-commit' && ++committed === shards.length) throw crash;
        },
      };
    },
    holders: () => [],
    expected: 'committed',
    decisionAfter: undefined,
  },
  {
    name: 'after logging abort because a shard failed to prepare (recovered by another router)',
    statements: (shards) => ({ [shards[1]!]: [failingPrepare] }),
    hooks: (_, crash) => ({
      at: (step) => {
        if (step === 'after-decision') throw crash;
      },
    }),
    holders: (shards) => shards.filter((_, i) => i !== 1),
    expected: 'absent',
    recoveredBy: 'router-2',
    decisionAfter: 'abort',
  },
];

/** Declares the suite; `fixture` is called inside hooks and tests. */
export function crashRecoverySuite(fixture: () => RealShardsFixture): void {
  let opened: OpenedShards;
  let tags = 0;
  const newTag = () => `t${process.pid}_${++tags}`;
  const shards = () => fixture().shards;
  const coordinator = (routerId = 'router-1', options: Partial<CoordinatorOptions> = {}) =>
    new Coordinator({ log: opened.log, shards: opened, routerId, retryInitialDelayMs: 10, ...options });

  beforeAll(async () => {
    opened = await fixture().open();
    for (const backend of opened.backends()) {
      await backend.exec(
        'CREATE TABLE IF NOT EXISTS txn_rows (tag text NOT NULL, shard text NOT NULL); ' +
          'CREATE TABLE IF NOT EXISTS txn_unique (id int UNIQUE DEFERRABLE INITIALLY DEFERRED)',
      );
    }
  });
  afterAll(() => opened?.close());

  /** What a restart of the router does: close the log and the backends, open them again. */
  async function restart(): Promise<void> {
    await opened.close();
    opened = await fixture().open();
  }

  /** Asserts that `tag`'s rows are on every participant (committed) or on none, and nothing is prepared. */
  async function expectWhole(tag: string, expected: 'committed' | 'absent', participants: readonly string[]) {
    const want = Object.fromEntries(
      shards().map((s) => [s, expected === 'committed' && participants.includes(s) ? 1 : 0]),
    );
    expect(await rowsByShard(opened, tag)).toEqual(want);
    expect(await preparedAnywhere(opened)).toEqual([]);
  }

  describe('commit', () => {
    it('commits on every shard, and rolls back on every shard when one fails to prepare', async () => {
      const c = coordinator();
      await Promise.all(shards().map((s) => c.requireTwoPhase(s)));
      const tag = newTag();
      const gid = c.newGid();
      expect(await c.commit(gid, await beginOn(opened, shards(), tag))).toEqual({
        gid,
        shards: shards(),
        pendingShards: [],
      });
      await expectWhole(tag, 'committed', shards());

      const bad = newTag();
      const last = shards().at(-1)!;
      const participants = await beginOn(opened, shards(), bad, { [last]: [failingPrepare] });
      const failed = c.newGid();
      const error = await c.commit(failed, participants).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'TxnError', code: '40000', shard: last, gid: failed });
      expect((error as Error).message).toMatch(
        new RegExp(
          `^transaction ${failed} was rolled back on every shard: shard "${last}" could not prepare it: ` +
            'duplicate key value violates unique constraint "txn_unique_id_key" \\(SQLSTATE 23505\\)$',
        ),
      );
      await expectWhole(bad, 'absent', shards());
      await c.stop();
      expect(await opened.log.pending()).toEqual([]);
      expect(c.metrics()).toMatchObject({ twoPhase: 2, committed: 1, rolledBack: 1, inDoubt: 0 });
    });
  });

  describe('a coordinator crash at each step, then a restart and recovery', () => {
    for (const crashCase of crashCases) {
      it(`${crashCase.name}: ends ${crashCase.expected} on every shard`, async () => {
        const all = shards();
        const tag = newTag();
        const first = coordinator('router-1');
        const participants = await beginOn(opened, all, tag, crashCase.statements?.(all));
        const gid = first.newGid();
        const crash = new Crash(`crash ${crashCase.name}`);
        await expect(first.commit(gid, participants, crashCase.hooks(all, crash))).rejects.toBe(crash);
        // The crash takes the coordinator's connections with it.
        await Promise.all(participants.map((p) => p.drop()));
        expect((await holding(opened, gid)).sort()).toEqual(crashCase.holders(all).sort());

        await restart();
        const second = coordinator(crashCase.recoveredBy ?? 'router-1');
        const report = await second.recover();
        expect(report.failures).toEqual([]);
        expect(report.inDoubt).toEqual([]);
        await expectWhole(tag, crashCase.expected, all);
        // A second run has nothing left to do, and forgets what the first one finished.
        const again = await second.recover();
        expect([again.committed, again.rolledBack, again.inDoubt]).toEqual([[], [], []]);
        expect(await opened.log.decision(gid)).toBe(crashCase.decisionAfter);
        await second.stop();
      });
    }

    it('leaves an undecided transaction of another live router alone until it is older than the timeout', async () => {
      const all = shards();
      const tag = newTag();
      const first = coordinator('router-1');
      const participants = await beginOn(opened, all, tag);
      const gid = first.newGid();
      const crash = new Crash('crash after every PREPARE');
      let prepared = 0;
      const hooks: CommitHooks = {
        at: (step) => {
          if (step === 'after-prepare' && ++prepared === all.length) throw crash;
        },
      };
      await expect(first.commit(gid, participants, hooks)).rejects.toBe(crash);
      await Promise.all(participants.map((p) => p.drop()));
      const patient = coordinator('router-2');
      const waited = await patient.recover();
      expect(waited.inDoubt.map((t) => [t.gid, [...t.shards].sort()])).toEqual([[gid, [...all].sort()]]);
      expect(patient.metrics().inDoubt).toBe(1);
      expect(await holding(opened, gid)).toHaveLength(all.length);
      const impatient = coordinator('router-3', { transactionTimeoutMs: 0 });
      const aborted = await impatient.recover();
      expect(aborted.rolledBack.map((t) => t.gid)).toEqual([gid]);
      await expectWhole(tag, 'absent', all);
      expect(await opened.log.decision(gid)).toBe('abort');
      await patient.recover();
      expect(patient.metrics().inDoubt).toBe(0);
    });
  });

  describe('recoveries by other routers while a commit is in flight', () => {
    /** Commits on router-1, held at a point until routers b and c have both recovered. */
    async function heldCommit(
      hold: (shards: readonly string[], reached: () => void, wait: Promise<void>) => CommitHooks,
    ) {
      const all = shards();
      const tag = newTag();
      const a = coordinator('router-1');
      const b = coordinator('router-b', { transactionTimeoutMs: 0 });
      const c = coordinator('router-c', { transactionTimeoutMs: 0 });
      const reached = gate();
      const resume = gate();
      const committing = a.commit(
        a.newGid(),
        await beginOn(opened, all, tag),
        hold(all, reached.open, resume.wait),
      );
      // (A commit that fails before reaching the point shows in its outcome below.)
      await Promise.race([reached.wait, committing.then(noop, noop)]);
      const reports = await Promise.all([b.recover(), c.recover(), b.recover()]);
      for (const report of reports) expect(report.failures).toEqual([]);
      resume.open();
      const outcome = await committing.then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      );
      await a.stop();
      return { tag, all, outcome, reports };
    }

    it('held after every PREPARE: the recoveries abort it, and the coordinator rolls back', async () => {
      const { tag, all, outcome, reports } = await heldCommit((shards, reached, wait) => {
        let prepared = 0;
        return {
          at: async (step) => {
            if (step === 'after-prepare' && ++prepared === shards.length) {
              reached();
              await wait;
            }
          },
        };
      });
      expect(outcome.ok).toBe(false);
      expect(!outcome.ok && outcome.error).toMatchObject({ code: '40000' });
      expect(!outcome.ok && (outcome.error as Error).message).toContain(
        'a recovery run had already decided to abort it',
      );
      expect(reports.flatMap((r) => r.committed)).toEqual([]);
      await expectWhole(tag, 'absent', all);
    });

    it('held after the decision: the recoveries commit it, and the coordinator finds it done', async () => {
      const { tag, all, outcome, reports } = await heldCommit((_, reached, wait) => ({
        at: async (step) => {
          if (step === 'after-decision') {
            reached();
            await wait;
          }
        },
      }));
      expect(outcome).toMatchObject({ ok: true, value: { pendingShards: [] } });
      expect(reports.flatMap((r) => r.rolledBack)).toEqual([]);
      await expectWhole(tag, 'committed', all);
    });

    it('held after some COMMIT PREPAREDs: the recoveries commit the rest', async () => {
      const { tag, all, outcome } = await heldCommit((shards, reached, wait) => ({
        at: async (step, shard) => {
          if (step === 'before-commit' && shard !== shards[0]) await wait;
          if (step === 'after-commit' && shard === shards[0]) reached();
        },
      }));
      expect(outcome).toMatchObject({ ok: true, value: { pendingShards: [] } });
      await expectWhole(tag, 'committed', all);
    });

    it('many transactions against recoveries that abort anything undecided: none is ever split', async () => {
      const all = shards();
      const a = coordinator('router-1');
      const recoverers = [
        coordinator('router-b', { transactionTimeoutMs: 0 }),
        coordinator('router-c', { transactionTimeoutMs: 0 }),
      ];
      let running = true;
      const loops = recoverers.map(async (r) => {
        while (running) {
          const report = await r.recover();
          expect(report.failures).toEqual([]);
          await new Promise((resolve) => setImmediate(resolve));
        }
      });
      // A fixed pseudo-random choice of shards per transaction (two or more shards each).
      let seed = 7;
      const next = () => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed;
      };
      const count = fixture().embedded ? 12 : 24;
      const parallel = fixture().embedded ? 1 : 4;
      const plans = Array.from({ length: count }, (_, i) => {
        const chosen = all.filter(() => next() % 3 !== 0);
        return { tag: newTag(), shards: chosen.length >= 2 ? chosen : all, index: i };
      });
      const outcomes = new Map<string, 'committed' | 'absent'>();
      for (let i = 0; i < plans.length; i += parallel) {
        await Promise.all(
          plans.slice(i, i + parallel).map(async (plan) => {
            const participants = await beginOn(opened, plan.shards, plan.tag);
            try {
              await a.commit(a.newGid(), participants);
              outcomes.set(plan.tag, 'committed');
            } catch (error) {
              expect(error).toMatchObject({ name: 'TxnError', code: '40000' });
              outcomes.set(plan.tag, 'absent');
            }
          }),
        );
      }
      running = false;
      await Promise.all(loops);
      await a.stop();
      await recoverers[0]!.recover();
      for (const plan of plans) {
        const want = Object.fromEntries(
          all.map((s) => [s, outcomes.get(plan.tag) === 'committed' && plan.shards.includes(s) ? 1 : 0]),
        );
        expect(await rowsByShard(opened, plan.tag), plan.tag).toEqual(want);
      }
      expect(await preparedAnywhere(opened)).toEqual([]);
      const m = a.metrics();
      expect(m.committed + m.rolledBack).toBe(count);
      expect(m.committed).toBe([...outcomes.values()].filter((o) => o === 'committed').length);
    });
  });
}
