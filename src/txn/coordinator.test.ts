// The coordinator over fake shards and participants: the protocol's outcomes, the errors a client
// gets, background retries, simulated crashes at every step followed by recovery, refusals, metrics.
import { describe, expect, it } from 'vitest';
import { FakeDirectory, participantsOn } from '../../test/txn/support/fake-shards.js';
import { ShardError } from '../backend/shard-error.js';
import { Coordinator, type CoordinatorOptions } from './coordinator.js';
import { MemoryTxnLog } from './memory-txn-log.js';
import type { CommitStep } from './two-phase-commit.js';
import { TxnError } from './txn-errors.js';
import type { TxnLog } from './txn-log.js';

const shards = ['s0', 's1', 's2'];

function setup(options: Partial<CoordinatorOptions> = {}) {
  const directory = new FakeDirectory(shards);
  const log = new MemoryTxnLog();
  const coordinator = new Coordinator({
    log,
    shards: directory,
    routerId: 'r1',
    retryInitialDelayMs: 1,
    ...options,
  });
  return { directory, log, coordinator };
}

/** A fresh coordinator of the same router, as after a restart (a new incarnation). */
function restarted(
  old: { directory: FakeDirectory; log: TxnLog },
  options: Partial<CoordinatorOptions> = {},
) {
  return new Coordinator({ log: old.log, shards: old.directory, routerId: 'r1', ...options });
}

async function errorOf(promise: Promise<unknown>): Promise<TxnError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TxnError);
  return error as TxnError;
}

describe('Coordinator.commit', () => {
  it('prepares, decides and commits on every shard, then forgets the decision', async () => {
    const { directory, log, coordinator } = setup();
    const steps: string[] = [];
    const gid = coordinator.newGid();
    const participants = participantsOn(directory, shards, 'T1');
    const outcome = await coordinator.commit(gid, participants, {
      at: (step, shard) => {
        steps.push(shard ? `${step} ${shard}` : step);
      },
    });
    expect(outcome).toEqual({ gid, shards, pendingShards: [] });
    expect(directory.committedBy('T1')).toEqual(shards);
    expect(directory.preparedGids()).toEqual([]);
    expect(participants.map((p) => p.aborted)).toEqual([0, 0, 0]);
    expect(steps.filter((s) => s.startsWith('before-prepare'))).toHaveLength(3);
    expect(steps.slice(6)).toEqual([
      'after-decision',
      'before-commit s0',
      'before-commit s1',
      'before-commit s2',
      'after-commit s0',
      'after-commit s1',
      'after-commit s2',
    ]);
    await coordinator.idle();
    expect(await log.pending()).toEqual([]);
    expect(coordinator.metrics()).toMatchObject({ twoPhase: 1, committed: 1, rolledBack: 0, inDoubt: 0 });
  });

  it('rolls back every shard when one fails to prepare, and says which and why', async () => {
    const { directory, log, coordinator } = setup();
    const gid = coordinator.newGid();
    const duplicate = new ShardError(
      's1',
      '23505',
      'duplicate key value violates unique constraint "t_pkey"',
    );
    const participants = participantsOn(directory, shards, 'T2', { s1: { failWith: duplicate } });
    const error = await errorOf(coordinator.commit(gid, participants));
    expect(error.code).toBe('40000');
    expect(error.message).toBe(
      `transaction ${gid} was rolled back on every shard: shard "s1" could not prepare it: ` +
        'duplicate key value violates unique constraint "t_pkey" (SQLSTATE 23505)',
    );
    expect(error).toMatchObject({ gid, shard: 's1', cause: duplicate });
    expect(directory.committedBy('T2')).toEqual([]);
    expect(directory.preparedGids()).toEqual([]);
    expect(directory.backend('s0').calls).toEqual([`rollback ${gid}.s0`]);
    expect(participants.map((p) => p.aborted)).toEqual([0, 1, 0]);
    await coordinator.idle();
    expect(await log.pending()).toEqual([]); // its own abort, confirmed everywhere, is forgotten
    expect(coordinator.metrics()).toMatchObject({ twoPhase: 1, committed: 0, rolledBack: 1 });
  });

  it("keeps a shard's own class-40 SQLSTATE so clients retry", async () => {
    const { directory, coordinator } = setup();
    const conflict = new ShardError('s2', '40001', 'could not serialize access due to concurrent update');
    const error = await errorOf(
      coordinator.commit(
        coordinator.newGid(),
        participantsOn(directory, shards, 'T3', { s2: { failWith: conflict } }),
      ),
    );
    expect(error.code).toBe('40001');
    expect(error.message).toContain('was rolled back on every shard');
  });

  it('names max_prepared_transactions when a shard has prepared transactions disabled', async () => {
    const { directory, coordinator } = setup();
    const disabled = new ShardError('s0', '55000', 'prepared transactions are disabled');
    const error = await errorOf(
      coordinator.commit(
        coordinator.newGid(),
        participantsOn(directory, shards, 'T4', { s0: { failWith: disabled } }),
      ),
    );
    expect(error.code).toBe('40000');
    expect(error.message).toMatch(
      /shard "s0" could not prepare it: prepared transactions are disabled.*set max_prepared_transactions above 0/,
    );
  });

  it('also rolls back a shard whose PREPARE may have landed before its connection broke', async () => {
    const { directory, coordinator } = setup();
    const gid = coordinator.newGid();
    const participants = participantsOn(directory, shards, 'T5', { s2: { prepareThenLoseConnection: true } });
    const error = await errorOf(coordinator.commit(gid, participants));
    expect(error.code).toBe('40000');
    expect(error.shard).toBe('s2');
    expect(directory.preparedGids()).toEqual([]);
    expect(directory.backend('s2').calls).toEqual([`rollback ${gid}.s2`]);
  });

  it('leaves a part it could not roll back to recovery, with the abort logged so it needs no timeout', async () => {
    const { directory, log, coordinator } = setup();
    const gid = coordinator.newGid();
    directory.backend('s0').faults.rollbackPrepared = 1;
    const failure = new ShardError('s2', '23503', 'insert or update violates foreign key constraint');
    const error = await errorOf(
      coordinator.commit(gid, participantsOn(directory, shards, 'T6', { s2: { failWith: failure } })),
    );
    expect(error.message).toMatch(
      /rolled back \(it commits on no shard\).*"s0" could not be rolled back now/,
    );
    expect(directory.preparedGids()).toEqual([`${gid}.s0`]);
    await coordinator.idle();
    expect(await log.decision(gid)).toBe('abort');
    // Recovery by the same router (whose timeout is far off) rolls it back because the log says so.
    const report = await coordinator.recover();
    expect(report.rolledBack).toEqual([{ gid, shards: ['s0'] }]);
    expect(directory.preparedGids()).toEqual([]);
    expect(directory.committedBy('T6')).toEqual([]);
  });

  it('rolls nothing back when the log unexpectedly says commit for a transaction being aborted', async () => {
    const { directory, log, coordinator } = setup();
    const gid = coordinator.newGid();
    await log.decide(gid, 'commit', shards, 'somebody');
    const failure = new ShardError('s1', '23505', 'duplicate key');
    const error = await errorOf(
      coordinator.commit(gid, participantsOn(directory, shards, 'T13', { s1: { failWith: failure } })),
    );
    expect(error.code).toBe('XX000');
    expect(directory.backend('s0').calls).toEqual([]);
    expect(directory.preparedGids().sort()).toEqual([`${gid}.s0`, `${gid}.s2`]);
  });

  it('tells the caller it committed when a COMMIT PREPARED fails after the decision, and retries it', async () => {
    const { directory, log, coordinator } = setup();
    const gid = coordinator.newGid();
    directory.backend('s1').faults.commitPrepared = 3;
    const outcome = await coordinator.commit(gid, participantsOn(directory, shards, 'T7'));
    expect(outcome.pendingShards).toEqual(['s1']);
    expect(directory.committedBy('T7')).toEqual(['s0', 's2']);
    expect(coordinator.metrics().inDoubt).toBe(1);
    await coordinator.idle();
    expect(directory.committedBy('T7')).toEqual(shards);
    expect(directory.preparedGids()).toEqual([]);
    expect(await log.pending()).toEqual([]);
    expect(coordinator.metrics()).toMatchObject({ committed: 1, commitRetries: 3, inDoubt: 0 });
  });

  it('rolls back when a recovery decided abort first', async () => {
    const { directory, log, coordinator } = setup();
    const gid = coordinator.newGid();
    const participants = participantsOn(directory, shards, 'T8');
    const error = await errorOf(
      coordinator.commit(gid, participants, {
        at: async (step, shard) => {
          // While every shard holds it prepared, a recovery elsewhere gives up on it.
          if (step === 'after-prepare' && shard === 's2')
            await log.decide(gid, 'abort', ['s0'], 'recovery@r2');
        },
      }),
    );
    expect(error.code).toBe('40000');
    expect(error.message).toContain('a recovery run had already decided to abort it');
    expect(directory.committedBy('T8')).toEqual([]);
    expect(directory.preparedGids()).toEqual([]);
    await coordinator.idle();
    expect(await log.decision(gid)).toBe('abort'); // kept: recovery's abort outlives slow coordinators
  });

  it('aborts rather than commits when its prepare phase outlasted the transaction timeout', async () => {
    let now = 1_000_000;
    const { directory, coordinator } = setup({ now: () => now, transactionTimeoutMs: 5000 });
    const gid = coordinator.newGid();
    const error = await errorOf(
      coordinator.commit(gid, participantsOn(directory, shards, 'T9'), {
        at: (step) => {
          if (step === 'after-prepare') now += 3000;
        },
      }),
    );
    expect(error.code).toBe('40000');
    expect(error.message).toMatch(/took 9000 ms, longer than the transaction timeout/);
    expect(directory.committedBy('T9')).toEqual([]);
    expect(directory.preparedGids()).toEqual([]);
  });

  it('leaves everything prepared and reports 08007 when the decision cannot be written', async () => {
    const { directory, log } = setup();
    const failing: TxnLog = {
      location: log.location,
      decide: () => Promise.reject(new Error('connection to the catalog database lost')),
      decision: (g) => log.decision(g),
      forget: (g) => log.forget(g),
      pending: () => log.pending(),
      close: () => log.close(),
    };
    const coordinator = new Coordinator({ log: failing, shards: directory, routerId: 'r1' });
    const gid = coordinator.newGid();
    const error = await errorOf(coordinator.commit(gid, participantsOn(directory, shards, 'T10')));
    expect(error.code).toBe('08007');
    expect(error.message).toMatch(
      /connection to the catalog database lost\); whether it commits is not known yet/,
    );
    expect(directory.preparedGids().sort()).toEqual(shards.map((s) => `${gid}.${s}`));
    expect(directory.committedBy('T10')).toEqual([]);
    expect(coordinator.metrics().outcomeUnknown).toBe(1);
    // After a restart, the new incarnation aborts it at once: nothing can commit it any more.
    const report = await restarted({ directory, log }).recover();
    expect(report.rolledBack).toEqual([{ gid, shards }]);
    expect(directory.preparedGids()).toEqual([]);
  });

  it('refuses bad input, after aborting every participant', async () => {
    const { directory, coordinator } = setup();
    const cases: [string, () => Promise<unknown>, RegExp][] = [
      ['no participants', () => coordinator.commit(coordinator.newGid(), []), /has no participants/],
      [
        'a shard twice',
        () => coordinator.commit(coordinator.newGid(), participantsOn(directory, ['s0', 's0'], 'x')),
        /names shard "s0" twice/,
      ],
      [
        'a foreign gid',
        () => coordinator.commit('sy_other_abc_1', participantsOn(directory, ['s0'], 'x')),
        /use newGid/,
      ],
      [
        'a bad gid',
        () => coordinator.commit('not a gid', participantsOn(directory, ['s0'], 'x')),
        /invalid transaction id/,
      ],
    ];
    for (const [what, call, message] of cases) {
      const error = await errorOf(call());
      expect(error.code, what).toBe('22023');
      expect(error.message, what).toMatch(message);
    }
    const stranger = participantsOn(directory, ['s0'], 'x');
    Object.defineProperty(stranger[0], 'shard', { value: 's9' });
    const unknown = await errorOf(coordinator.commit(coordinator.newGid(), stranger));
    expect(unknown.message).toMatch(/shard "s9" is unknown here/);
    expect(stranger[0]!.aborted).toBe(1);
    const longName = new FakeDirectory(['l'.repeat(190)]);
    const longCoordinator = new Coordinator({ log: new MemoryTxnLog(), shards: longName, routerId: 'r1' });
    const tooLong = await errorOf(
      longCoordinator.commit(longCoordinator.newGid(), participantsOn(longName, ['l'.repeat(190)], 'x')),
    );
    expect(tooLong.message).toMatch(/cannot be part of a prepared transaction id/);
    const gid = coordinator.newGid();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = coordinator.commit(gid, participantsOn(directory, ['s0'], 'y', { s0: { gate: held } }));
    const again = participantsOn(directory, ['s1'], 'y');
    expect((await errorOf(coordinator.commit(gid, again))).message).toMatch(/already being committed/);
    expect(again[0]!.aborted).toBe(1);
    release();
    await first;
    await coordinator.stop();
    const late = participantsOn(directory, ['s0', 's1'], 'z');
    const stopped = await errorOf(coordinator.commit(coordinator.newGid(), late));
    expect(stopped.code).toBe('55000');
    expect(late.map((p) => p.aborted)).toEqual([1, 1]);
    expect(directory.preparedGids()).toEqual([]);
  });

  it('counts one-phase and two-phase transactions and shows a transaction in flight as in doubt', async () => {
    const { directory, coordinator } = setup();
    coordinator.noteOnePhase();
    coordinator.noteOnePhase();
    let during = -1;
    await coordinator.commit(coordinator.newGid(), participantsOn(directory, shards, 'T11'), {
      at: (step) => {
        if (step === 'after-decision') during = coordinator.metrics().inDoubt;
      },
    });
    expect(during).toBe(1);
    expect(coordinator.metrics()).toMatchObject({ onePhase: 2, twoPhase: 1, committed: 1, inDoubt: 0 });
  });

  it('stops retrying at stop(); recovery then commits what is left', async () => {
    const { directory, log, coordinator } = setup();
    directory.backend('s2').faults.commitPrepared = 1_000_000;
    const gid = coordinator.newGid();
    const outcome = await coordinator.commit(gid, participantsOn(directory, shards, 'T12'));
    expect(outcome.pendingShards).toEqual(['s2']);
    await coordinator.stop();
    expect(directory.preparedGids()).toEqual([`${gid}.s2`]);
    directory.backend('s2').faults.commitPrepared = 0;
    const report = await restarted({ directory, log }).recover();
    expect(report.committed).toEqual([{ gid, shards: ['s2'] }]);
    expect(report.forgotten).toEqual([gid]);
    expect(directory.committedBy('T12')).toEqual(shards);
  });
});

describe('Coordinator: a crash at each step, then recovery by a restarted coordinator', () => {
  class Crash extends Error {}
  const cases: { step: CommitStep; shard?: string; expected: 'committed' | 'absent' }[] = [
    { step: 'before-prepare', shard: 's0', expected: 'absent' },
    { step: 'before-prepare', shard: 's2', expected: 'absent' },
    { step: 'after-prepare', shard: 's0', expected: 'absent' },
    { step: 'after-prepare', shard: 's2', expected: 'absent' },
    { step: 'after-decision', expected: 'committed' },
    { step: 'before-commit', shard: 's1', expected: 'committed' },
    { step: 'after-commit', shard: 's0', expected: 'committed' },
    { step: 'after-commit', shard: 's2', expected: 'committed' },
  ];
  for (const { step, shard, expected } of cases) {
    it(`${step}${shard ? ` ${shard}` : ''}: the transaction ends ${expected} on every shard`, async () => {
      const { directory, log, coordinator } = setup();
      const gid = coordinator.newGid();
      const participants = participantsOn(directory, shards, 'C');
      const seen: string[] = [];
      const crash = new Crash(`crash at ${step}`);
      const committing = coordinator.commit(gid, participants, {
        at: (s, sh) => {
          seen.push(`${s} ${sh ?? ''}`);
          if (s === step && (shard === undefined || sh === shard)) throw crash;
        },
      });
      await expect(committing).rejects.toBe(crash);
      // Nothing happens after the crash: no hook, no abort, no log write, no retry.
      expect(seen.at(-1)).toBe(`${step} ${shard ?? ''}`);
      expect(participants.map((p) => p.aborted)).toEqual([0, 0, 0]);
      await coordinator.idle();
      const decided = await log.decision(gid);
      expect(decided).toBe(expected === 'committed' ? 'commit' : undefined);
      if (step === 'after-prepare')
        expect(directory.backend(shard!).prepared.has(`${gid}.${shard}`)).toBe(true);

      const recovery = restarted({ directory, log }, { abortRetentionMs: 0, transactionTimeoutMs: 0 });
      const report = await recovery.recover();
      expect(report.failures).toEqual([]);
      expect(directory.committedBy('C')).toEqual(expected === 'committed' ? shards : []);
      expect(directory.preparedGids()).toEqual([]);
      // A second run finds nothing to do and forgets what the first resolved.
      const second = await recovery.recover();
      expect(second.committed).toEqual([]);
      expect(second.rolledBack).toEqual([]);
      expect(await log.pending()).toEqual([]);
    });
  }
});

describe('Coordinator.requireTwoPhase', () => {
  it('refuses a shard with max_prepared_transactions = 0, naming it and the setting', async () => {
    const { directory, coordinator } = setup();
    directory.backend('s1').maxPreparedTransactions = 0;
    const error = await errorOf(coordinator.requireTwoPhase('s1'));
    expect(error.code).toBe('55000');
    expect(error.shard).toBe('s1');
    expect(error.message).toMatch(/^shard "s1" has max_prepared_transactions = 0, so it cannot take part/);
    // A refusal is not remembered: once the shard is fixed, it passes.
    directory.backend('s1').maxPreparedTransactions = 10;
    await coordinator.requireTwoPhase('s1');
    await expect(coordinator.requireTwoPhase('s9')).rejects.toThrow(/unknown shard/);
  });

  it('asks each shard once', async () => {
    const { directory, coordinator } = setup();
    let asked = 0;
    const shard = directory.backend('s0');
    const query = shard.query.bind(shard);
    shard.query = (sql: string) => {
      asked += 1;
      return query(sql);
    };
    await Promise.all([coordinator.requireTwoPhase('s0'), coordinator.requireTwoPhase('s0')]);
    await coordinator.requireTwoPhase('s0');
    expect(asked).toBe(1);
  });
});

describe('Coordinator options and recovery scheduling', () => {
  it('refuses bad settings', () => {
    const directory = new FakeDirectory(shards);
    const log = new MemoryTxnLog();
    expect(() => new Coordinator({ log, shards: directory, routerId: 'a_b' })).toThrow(/invalid router id/);
    expect(
      () => new Coordinator({ log, shards: directory, routerId: 'r', transactionTimeoutMs: -1 }),
    ).toThrow(/transactionTimeoutMs must be a whole number/);
    expect(
      () =>
        new Coordinator({
          log,
          shards: directory,
          routerId: 'r',
          transactionTimeoutMs: 10,
          abortRetentionMs: 15,
        }),
    ).toThrow(/at least twice transactionTimeoutMs/);
  });

  it('runs recovery at once and then again and again until stopped', async () => {
    const { coordinator } = setup();
    await expect(coordinator.startRecovery(0)).rejects.toThrow(/positive number/);
    const first = await coordinator.startRecovery(2);
    expect(first.failures).toEqual([]);
    await expect(coordinator.startRecovery(2)).rejects.toThrow(/already started/);
    while (coordinator.metrics().recovery.runs < 3) await new Promise((resolve) => setTimeout(resolve, 2));
    await coordinator.stop();
    const runs = coordinator.metrics().recovery.runs;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(coordinator.metrics().recovery.runs).toBe(runs);
  });
});
