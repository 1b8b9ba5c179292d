// Two-phase commit and crash recovery on embedded shards (PGlite) with the file coordinator log; a
// restart closes and reopens both, as a new process would.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PgliteBackend } from '../../src/backend/pglite-backend.js';
import { Coordinator } from '../../src/txn/coordinator.js';
import { FileTxnLog } from '../../src/txn/file-txn-log.js';
import { crashRecoverySuite } from './crash-recovery.suite.js';
import { beginOn, openedShards, type RealShardsFixture } from './support/real-shards.js';

const root = mkdtempSync(join(tmpdir(), 'switchyard-txn-embedded-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const shards = ['e0', 'e1', 'e2'];

async function openShards(names: readonly string[], dataDir: string, maxPreparedTransactions?: number) {
  const log = await FileTxnLog.open({ dataDir });
  const opened = await Promise.allSettled(
    names.map((name) =>
      PgliteBackend.open(
        name,
        join(root, name),
        maxPreparedTransactions === undefined ? {} : { maxPreparedTransactions },
      ),
    ),
  );
  const backends = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = opened.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.allSettled([log.close(), ...backends.map((b) => b.close())]);
    throw failed.reason;
  }
  return openedShards(log, backends);
}

describe('two-phase commit on embedded shards', () => {
  const fixture: RealShardsFixture = {
    shards,
    embedded: true,
    open: () => openShards(shards, join(root, 'router')),
  };
  crashRecoverySuite(() => fixture);

  it('as the sole coordinator, aborts at once what a router of another name left undecided', async () => {
    const dir = join(root, 'router-sole');
    let opened = await openShards(['e5', 'e6'], dir);
    for (const backend of opened.backends()) {
      await backend.exec('CREATE TABLE IF NOT EXISTS txn_rows (tag text NOT NULL, shard text NOT NULL)');
    }
    const before = new Coordinator({ log: opened.log, shards: opened, routerId: 'old-host-name' });
    const crash = new Error('crash after every PREPARE');
    let prepared = 0;
    await expect(
      before.commit(before.newGid(), await beginOn(opened, ['e5', 'e6'], 'sole'), {
        at: (step) => {
          if (step === 'after-prepare' && ++prepared === 2) throw crash;
        },
      }),
    ).rejects.toBe(crash);
    await opened.close();
    opened = await openShards(['e5', 'e6'], dir);
    try {
      const after = new Coordinator({
        log: opened.log,
        shards: opened,
        routerId: 'new-host-name',
        soleCoordinator: true,
      });
      const report = await after.recover();
      expect(report.inDoubt).toEqual([]);
      expect(report.rolledBack.map((t) => [...t.shards].sort())).toEqual([['e5', 'e6']]);
      // The shards run statements again, and the check needs one.
      await Promise.all(['e5', 'e6'].map((s) => after.requireTwoPhase(s)));
      for (const backend of opened.backends()) {
        expect((await backend.query("SELECT count(*) FROM txn_rows WHERE tag = 'sole'")).rows).toEqual([
          ['0'],
        ]);
      }
    } finally {
      await opened.close();
    }
  });

  it('refuses a shard opened with max_prepared_transactions = 0, naming the shard and the setting', async () => {
    const opened = await openShards(['e8', 'e9'], join(root, 'router-mpt'), 0);
    try {
      for (const backend of opened.backends()) {
        await backend.exec('CREATE TABLE IF NOT EXISTS txn_rows (tag text NOT NULL, shard text NOT NULL)');
      }
      const coordinator = new Coordinator({ log: opened.log, shards: opened, routerId: 'router-1' });
      await expect(coordinator.requireTwoPhase('e9')).rejects.toMatchObject({
        name: 'TxnError',
        code: '55000',
        shard: 'e9',
        message: expect.stringMatching(
          /^shard "e9" has max_prepared_transactions = 0, so it cannot take part/,
        ),
      });
      // A transaction that goes ahead anyway is rolled back with the same advice.
      const participants = await beginOn(opened, ['e8', 'e9'], 'mpt');
      const error = await coordinator.commit(coordinator.newGid(), participants).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: '40000' });
      expect((error as Error).message).toMatch(
        /could not prepare it: prepared transactions are disabled \(SQLSTATE 55000\); set max_prepared_transactions above 0/,
      );
      expect(
        (await opened.backend('e8').query("SELECT count(*) FROM txn_rows WHERE tag = 'mpt'")).rows,
      ).toEqual([['0']]);
    } finally {
      await opened.close();
    }
  });
});
