// Property: whatever happens (shards failing to prepare or to commit, listings failing, the clock
// jumping past the timeout, recoveries by other routers running at any step of any transaction, the
// coordinator crashing at any step), every transaction ends wholly committed or wholly absent, the
// caller was told the truth (resolved → committed everywhere, class-40 error → nowhere), and after a
// restart's recovery no prepared transaction is left.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeDirectory, participantsOn } from '../../test/txn/support/fake-shards.js';
import { ShardError } from '../backend/shard-error.js';
import { Coordinator } from './coordinator.js';
import { MemoryTxnLog } from './memory-txn-log.js';
import type { CommitStep } from './two-phase-commit.js';
import { TxnError } from './txn-errors.js';

const shardNames = ['s0', 's1', 's2', 's3'] as const;
const steps: CommitStep[] = [
  'before-prepare',
  'after-prepare',
  'after-decision',
  'before-commit',
  'after-commit',
];

const action = fc.record({
  step: fc.constantFrom(...steps),
  shardIndex: fc.nat(3),
  what: fc.constantFrom('recover-b', 'recover-c', 'advance-clock', 'crash'),
});
const transaction = fc.record({
  shards: fc.subarray([...shardNames], { minLength: 1 }),
  failPrepareOn: fc.option(fc.constantFrom(...shardNames), { nil: undefined }),
  lostConnection: fc.boolean(),
  actions: fc.array(action, { maxLength: 4 }),
});
const fault = fc.record({
  shard: fc.constantFrom(...shardNames),
  kind: fc.constantFrom('commitPrepared', 'rollbackPrepared', 'listPrepared', 'busy') as fc.Arbitrary<
    'commitPrepared' | 'rollbackPrepared' | 'listPrepared' | 'busy'
  >,
  count: fc.integer({ min: 1, max: 3 }),
});
const scenario = fc.record({
  transactions: fc.array(transaction, { minLength: 1, maxLength: 4 }),
  faults: fc.array(fault, { maxLength: 3 }),
});

class Crash extends Error {}

describe('Coordinator (property)', () => {
  it('never splits a transaction, whatever fails and whoever recovers when', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ transactions, faults }) => {
        let now = 1_000_000;
        const clock = () => now;
        const directory = new FakeDirectory(shardNames);
        for (const s of directory.backends()) s.now = clock;
        for (const f of faults) directory.backend(f.shard).faults[f.kind] += f.count;
        const log = new MemoryTxnLog({ now: clock });
        const make = (routerId: string, transactionTimeoutMs: number) =>
          new Coordinator({
            log,
            shards: directory,
            routerId,
            transactionTimeoutMs,
            now: clock,
            retryInitialDelayMs: 1,
          });
        const a = make('a', 1000);
        const recoverers = { 'recover-b': make('b', 0), 'recover-c': make('c', 0) };

        const outcomes = await Promise.allSettled(
          transactions.map((t, i) => {
            const tag = `T${i}`;
            const behaviours =
              t.failPrepareOn && t.shards.includes(t.failPrepareOn)
                ? {
                    [t.failPrepareOn]: t.lostConnection
                      ? { prepareThenLoseConnection: true }
                      : { failWith: new ShardError(t.failPrepareOn, '23505', 'duplicate key') },
                  }
                : {};
            return a.commit(a.newGid(), participantsOn(directory, t.shards, tag, behaviours), {
              at: async (step, shard) => {
                for (const act of t.actions) {
                  if (act.step !== step) continue;
                  if (shard !== undefined && shard !== t.shards[act.shardIndex % t.shards.length]) continue;
                  if (act.what === 'crash') throw new Crash(`${tag} crashed at ${step}`);
                  if (act.what === 'advance-clock') now += 700;
                  else await recoverers[act.what].recover();
                }
              },
            });
          }),
        );
        await a.idle();

        // The router restarts: its new incarnation resolves whatever is left.
        const restarted = make('a', 0);
        for (let run = 0; run < 20 && directory.preparedGids().length > 0; run++) await restarted.recover();
        expect(directory.preparedGids()).toEqual([]);

        transactions.forEach((t, i) => {
          const committedOn = directory.committedBy(`T${i}`);
          const outcome = outcomes[i]!;
          const sorted = [...t.shards].sort();
          if (outcome.status === 'fulfilled') {
            expect(committedOn, `T${i} resolved`).toEqual(sorted);
          } else if (outcome.reason instanceof TxnError && outcome.reason.code.startsWith('40')) {
            expect(committedOn, `T${i} rolled back`).toEqual([]);
          } else {
            expect(outcome.reason).toBeInstanceOf(Crash);
            expect([[], sorted], `T${i} crashed`).toContainEqual(committedOn);
          }
        });
      }),
      { numRuns: 300 },
    );
  });
});
