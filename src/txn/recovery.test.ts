// Recovery over fake shards: what it does with each kind of prepared transaction it finds, what it
// forgets and what it must keep, and that failures of one shard do not stop the rest.
import { describe, expect, it } from 'vitest';
import { FakeDirectory } from '../../test/txn/support/fake-shards.js';
import { GID_PREFIX } from './gid.js';
import { MemoryTxnLog } from './memory-txn-log.js';
import { type RecoveryContext, recoverPrepared } from './recovery.js';
import type { TxnLog } from './txn-log.js';

const T = 60_000;
const start = 10_000_000;

function setup(overrides: Partial<RecoveryContext> = {}) {
  let now = start;
  const clock = () => now;
  const directory = new FakeDirectory(['s0', 's1', 's2']);
  for (const shard of directory.backends()) shard.now = clock;
  const log = new MemoryTxnLog({ now: clock });
  const context: RecoveryContext = {
    log,
    shards: directory,
    routerId: 'me',
    incarnation: 'current',
    transactionTimeoutMs: T,
    abortRetentionMs: 2 * T,
    now: clock,
    ...overrides,
  };
  return {
    directory,
    log,
    context,
    advance: (ms: number) => {
      now += ms;
    },
    /** Prepares `gid` holding row `tag` on the shards. */
    prepare: (gid: string, shards: string[], tag = gid) => {
      for (const s of shards) directory.backend(s).prepare(gid, [tag]);
    },
  };
}

describe('recoverPrepared', () => {
  it('commits what the log says to commit and rolls back what it says to abort, whatever their age', async () => {
    const { directory, log, context, prepare } = setup();
    prepare('sy_other_a_1', ['s0', 's2']);
    prepare('sy_other_a_2', ['s1']);
    await log.decide('sy_other_a_1', 'commit', ['s0', 's1', 's2']);
    await log.decide('sy_other_a_2', 'abort', ['s1']);
    const report = await recoverPrepared(context);
    expect(report.committed).toEqual([{ gid: 'sy_other_a_1', shards: ['s0', 's2'] }]);
    expect(report.rolledBack).toEqual([{ gid: 'sy_other_a_2', shards: ['s1'] }]);
    expect(directory.committedBy('sy_other_a_1')).toEqual(['s0', 's2']);
    expect(directory.preparedGids()).toEqual([]);
    // The commit is forgotten (no shard holds it); the abort is kept for the retention period.
    expect(report.forgotten).toEqual(['sy_other_a_1']);
    expect((await log.pending()).map((p) => p.gid)).toEqual(['sy_other_a_2']);
  });

  it('leaves an undecided transaction younger than the timeout, and aborts it once older', async () => {
    const { directory, log, context, prepare, advance } = setup();
    prepare('sy_other_b_1', ['s0', 's1']);
    advance(T - 1);
    const young = await recoverPrepared(context);
    expect(young.inDoubt).toEqual([{ gid: 'sy_other_b_1', shards: ['s0', 's1'] }]);
    expect(young.rolledBack).toEqual([]);
    expect(directory.preparedGids()).toHaveLength(2);
    expect(await log.pending()).toEqual([]);
    advance(1);
    const old = await recoverPrepared(context);
    expect(old.rolledBack).toEqual([{ gid: 'sy_other_b_1', shards: ['s0', 's1'] }]);
    expect(directory.preparedGids()).toEqual([]);
    expect(await log.pending()).toMatchObject([
      { gid: 'sy_other_b_1', decision: 'abort', decidedBy: 'recovery@me' },
    ]);
  });

  it('measures age from the oldest PREPARE of the transaction', async () => {
    const { directory, context, prepare, advance } = setup();
    prepare('sy_other_c_1', ['s0']);
    advance(T);
    prepare('sy_other_c_1', ['s1']);
    const report = await recoverPrepared(context);
    expect(report.rolledBack).toEqual([{ gid: 'sy_other_c_1', shards: ['s0', 's1'] }]);
    expect(directory.preparedGids()).toEqual([]);
  });

  it('aborts at once an undecided transaction of an earlier incarnation of this router', async () => {
    const { directory, context, prepare } = setup();
    prepare(`${GID_PREFIX}me_earlier_1`, ['s0', 's1']);
    prepare(`${GID_PREFIX}me_current_1`, ['s2']);
    prepare(`${GID_PREFIX}you_earlier_1`, ['s2']);
    const report = await recoverPrepared(context);
    expect(report.rolledBack).toEqual([{ gid: 'sy_me_earlier_1', shards: ['s0', 's1'] }]);
    expect(report.inDoubt.map((t) => t.gid)).toEqual(['sy_me_current_1', 'sy_you_earlier_1']);
    expect(directory.preparedGids().sort()).toEqual(['sy_me_current_1', 'sy_you_earlier_1']);
  });

  it('aborts at once every undecided transaction not its own when it is the sole coordinator', async () => {
    const { directory, context, prepare } = setup();
    prepare(`${GID_PREFIX}renamed-host_earlier_1`, ['s0']);
    prepare(`${GID_PREFIX}me_current_1`, ['s1']);
    prepare(`${GID_PREFIX}unparsed`, ['s2']);
    const report = await recoverPrepared({ ...context, soleCoordinator: true });
    expect(report.rolledBack.map((t) => t.gid).sort()).toEqual(['sy_renamed-host_earlier_1', 'sy_unparsed']);
    expect(report.inDoubt.map((t) => t.gid)).toEqual(['sy_me_current_1']);
    expect(directory.preparedGids()).toEqual(['sy_me_current_1']);
  });

  it('applies the decision that stands when a coordinator decided commit just before the abort', async () => {
    const { directory, log, context, prepare, advance } = setup();
    prepare('sy_other_d_1', ['s0', 's1']);
    advance(T);
    // The coordinator writes 'commit' between recovery's look at the log and its own 'abort'.
    const racing: TxnLog = {
      location: log.location,
      decision: async (gid) => {
        const seen = await log.decision(gid);
        await log.decide(gid, 'commit', ['s0', 's1'], 'other');
        return seen;
      },
      decide: (gid, d, p, by) => log.decide(gid, d, p, by),
      forget: (gid) => log.forget(gid),
      pending: () => log.pending(),
      close: () => log.close(),
    };
    const report = await recoverPrepared({ ...context, log: racing });
    expect(report.committed).toEqual([{ gid: 'sy_other_d_1', shards: ['s0', 's1'] }]);
    expect(report.rolledBack).toEqual([]);
    expect(directory.committedBy('sy_other_d_1')).toEqual(['s0', 's1']);
  });

  it('keeps a decision while a shard it names could not be listed, and goes on with the other shards', async () => {
    const { directory, log, context, prepare } = setup();
    prepare('sy_other_e_1', ['s0', 's1']);
    await log.decide('sy_other_e_1', 'commit', ['s0', 's1']);
    directory.backend('s1').faults.listPrepared = 1;
    const first = await recoverPrepared(context);
    expect(first.failures).toMatchObject([{ shard: 's1', error: { code: '08006' } }]);
    expect(first.committed).toEqual([{ gid: 'sy_other_e_1', shards: ['s0'] }]);
    expect(first.forgotten).toEqual([]);
    const second = await recoverPrepared(context);
    expect(second.failures).toEqual([]);
    expect(second.committed).toEqual([{ gid: 'sy_other_e_1', shards: ['s1'] }]);
    expect(second.forgotten).toEqual(['sy_other_e_1']);
    expect(directory.committedBy('sy_other_e_1')).toEqual(['s0', 's1']);
  });

  it('keeps a decision whose COMMIT PREPARED failed, and finishes it next time', async () => {
    const { directory, log, context, prepare } = setup();
    prepare('sy_other_f_1', ['s0', 's2']);
    await log.decide('sy_other_f_1', 'commit', ['s0', 's2']);
    directory.backend('s2').faults.commitPrepared = 1;
    const first = await recoverPrepared(context);
    expect(first.failures).toMatchObject([{ gid: 'sy_other_f_1', shard: 's2' }]);
    expect(first.forgotten).toEqual([]);
    expect(directory.preparedGids()).toEqual(['sy_other_f_1']);
    const second = await recoverPrepared(context);
    expect(second.committed).toEqual([{ gid: 'sy_other_f_1', shards: ['s2'] }]);
    expect(second.forgotten).toEqual(['sy_other_f_1']);
  });

  it('waits for a part another session is finishing right now ("is busy")', async () => {
    const { directory, log, context, prepare } = setup();
    prepare('sy_other_j_1', ['s0', 's1']);
    await log.decide('sy_other_j_1', 'commit', ['s0', 's1']);
    directory.backend('s1').faults.busy = 3;
    const report = await recoverPrepared(context);
    expect(report.failures).toEqual([]);
    expect(report.committed).toEqual([{ gid: 'sy_other_j_1', shards: ['s0', 's1'] }]);
    expect(directory.preparedGids()).toEqual([]);
    directory.backend('s2').prepare('sy_other_j_2', ['x']);
    await log.decide('sy_other_j_2', 'abort', ['s2']);
    directory.backend('s2').faults.busy = 100;
    const stuck = await recoverPrepared(context);
    expect(stuck.failures).toMatchObject([{ gid: 'sy_other_j_2', shard: 's2', error: { code: '55000' } }]);
  });

  it('keeps a decision that names a shard this router does not know', async () => {
    const { log, context } = setup();
    await log.decide('sy_other_g_1', 'commit', ['s0', 's7']);
    const report = await recoverPrepared(context);
    expect(report.forgotten).toEqual([]);
    expect(await log.decision('sy_other_g_1')).toBe('commit');
  });

  it('forgets an abort only after the retention period', async () => {
    const { log, context, advance } = setup();
    await log.decide('sy_other_h_1', 'abort', ['s0']);
    advance(2 * T - 1);
    expect((await recoverPrepared(context)).forgotten).toEqual([]);
    advance(1);
    expect((await recoverPrepared(context)).forgotten).toEqual(['sy_other_h_1']);
    expect(await log.pending()).toEqual([]);
  });

  it('does not forget a commit decided after it listed the shards', async () => {
    const { directory, log, context, prepare } = setup();
    prepare('sy_other_i_1', ['s0', 's1']);
    const shard = directory.backend('s1');
    const list = shard.listPrepared.bind(shard);
    // The coordinator decides while recovery is listing: the shards still hold it prepared.
    shard.listPrepared = async (prefix) => {
      const listed = await list(prefix);
      await log.decide('sy_other_i_1', 'commit', ['s0', 's1']);
      return listed;
    };
    const report = await recoverPrepared(context);
    expect(report.forgotten).toEqual([]);
    expect(await log.decision('sy_other_i_1')).toBe('commit');
  });

  it('touches only prepared transactions whose gid starts with sy_', async () => {
    const { directory, context, advance } = setup();
    directory.backend('s0').prepare('app_txn_1', ['mine']);
    advance(10 * T);
    const report = await recoverPrepared(context);
    expect(report.rolledBack).toEqual([]);
    expect(directory.preparedGids()).toEqual(['app_txn_1']);
  });

  it('resolves each transaction one way when several routers recover at once', async () => {
    const { directory, log, context, prepare, advance } = setup();
    for (let i = 0; i < 20; i++)
      prepare(`sy_x_y_${i.toString(36)}`, i % 2 ? ['s0', 's1', 's2'] : ['s1', 's2']);
    for (let i = 0; i < 20; i += 3)
      await log.decide(`sy_x_y_${i.toString(36)}`, 'commit', ['s0', 's1', 's2']);
    advance(T);
    const reports = await Promise.all(
      ['r1', 'r2', 'r3'].map((routerId) => recoverPrepared({ ...context, routerId })),
    );
    for (const report of reports) expect(report.failures).toEqual([]);
    expect(directory.preparedGids()).toEqual([]);
    for (let i = 0; i < 20; i++) {
      const gid = `sy_x_y_${i.toString(36)}`;
      const expected = i % 3 === 0 ? (i % 2 ? ['s0', 's1', 's2'] : ['s1', 's2']) : [];
      expect(directory.committedBy(gid), gid).toEqual(expected);
    }
  });
});
