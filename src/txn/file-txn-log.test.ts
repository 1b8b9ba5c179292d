// FileTxnLog: the shared TxnLog contract, then what only the file log does: fsync before a call
// resolves (and batching of concurrent appends), replay, a torn last line, damage, compaction, and
// one process at a time.
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testGid, txnLogSuite } from '../../test/txn/support/txn-log.suite.js';
import { defaultTxnLogFileName, FileTxnLog } from './file-txn-log.js';

const root = mkdtempSync(join(tmpdir(), 'switchyard-txn-log-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `d${++dirs}`);
const lines = (dir: string) =>
  readFileSync(join(dir, defaultTxnLogFileName), 'utf8')
    .split('\n')
    .filter((l) => l !== '');

describe('FileTxnLog', () => {
  let current = '';
  txnLogSuite({
    fresh: () => {
      current = freshDir();
      return FileTxnLog.open({ dataDir: current });
    },
    reopen: async (previous) => {
      await previous.close();
      return FileTxnLog.open({ dataDir: current });
    },
    concurrentOpen: false,
  });

  it('writes and fsyncs a decision before the call resolves', async () => {
    const dataDir = freshDir();
    const synced: string[][] = [];
    const log = await FileTxnLog.open({
      dataDir,
      sync: async (handle: FileHandle) => {
        await handle.sync();
        synced.push(lines(dataDir)); // what is in the file each time it is made durable
      },
    });
    try {
      const syncsAtOpen = synced.length;
      const gid = testGid();
      await log.decide(gid, 'commit', ['s0']);
      expect(synced.length).toBe(syncsAtOpen + 1);
      expect(synced.at(-1)!.map((l) => JSON.parse(l))).toEqual([
        { op: 'decide', gid, decision: 'commit', participants: ['s0'], at: expect.any(Number), by: '' },
      ]);
      await log.forget(gid);
      expect(synced.length).toBe(syncsAtOpen + 2);
      expect(JSON.parse(synced.at(-1)!.at(-1)!)).toEqual({ op: 'forget', gid });
    } finally {
      await log.close();
    }
  });

  it('shares one fsync among appends that arrive while one is in flight', async () => {
    const dataDir = freshDir();
    let syncs = 0;
    const log = await FileTxnLog.open({
      dataDir,
      sync: async (handle) => {
        syncs += 1;
        await handle.sync();
      },
    });
    try {
      syncs = 0;
      const gids = Array.from({ length: 20 }, () => testGid('g'));
      await Promise.all(gids.map((gid) => log.decide(gid, 'abort', ['s1'])));
      expect(syncs).toBeGreaterThanOrEqual(1);
      expect(syncs).toBeLessThan(gids.length);
      expect(lines(dataDir)).toHaveLength(gids.length);
    } finally {
      await log.close();
    }
  });

  it('makes nobody wait for a decision that is not on disk yet, and refuses all work once a write failed', async () => {
    const dataDir = freshDir();
    let fail = false;
    let ok = '';
    const log = await FileTxnLog.open({
      dataDir,
      sync: async (handle) => {
        if (fail) throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
        await handle.sync();
      },
    });
    try {
      ok = testGid('ok');
      await log.decide(ok, 'commit', ['s0']);
      fail = true;
      const gid = testGid('lost');
      const first = log.decide(gid, 'commit', ['s0']);
      // The second decider of the same gid must not get 'commit' back before it is durable.
      const second = log.decide(gid, 'abort', ['s0']);
      await expect(first).rejects.toMatchObject({ name: 'TxnLogError', code: '58030' });
      await expect(second).rejects.toMatchObject({ code: '58030' });
      await expect(first).rejects.toThrow(/refuses further work.*restart/);
      fail = false;
      await expect(log.decision(ok)).rejects.toMatchObject({ code: '58030' });
      await expect(log.decide(testGid(), 'abort', ['s0'])).rejects.toMatchObject({ code: '58030' });
      await expect(log.pending()).rejects.toMatchObject({ code: '58030' });
    } finally {
      await log.close();
    }
    // What did reach the disk is read back on reopen.
    const again = await FileTxnLog.open({ dataDir });
    try {
      expect(await again.decision(ok)).toBe('commit');
    } finally {
      await again.close();
    }
  });

  it('replays decisions and forgets in order after a reopen', async () => {
    const dataDir = freshDir();
    const log = await FileTxnLog.open({ dataDir });
    const gids = Array.from({ length: 30 }, (_, i) => testGid(`r${i}`));
    for (const [i, gid] of gids.entries()) await log.decide(gid, i % 2 ? 'abort' : 'commit', [`s${i % 4}`]);
    for (const gid of gids.filter((_, i) => i % 3 === 0)) await log.forget(gid);
    const before = await log.pending();
    await log.close();
    const again = await FileTxnLog.open({ dataDir });
    try {
      const after = await again.pending();
      expect(after.map(({ ageMs: _, ...rest }) => rest)).toEqual(before.map(({ ageMs: _, ...rest }) => rest));
      expect(after).toHaveLength(20);
    } finally {
      await again.close();
    }
  });

  it('cuts off a last line that a crash left incomplete, and appends after it', async () => {
    const dataDir = freshDir();
    const log = await FileTxnLog.open({ dataDir });
    const kept = testGid('kept');
    await log.decide(kept, 'commit', ['s0']);
    await log.close();
    const torn = testGid('torn');
    appendFileSync(join(dataDir, defaultTxnLogFileName), `{"op":"decide","gid":"${torn}","decision":"com`);
    const again = await FileTxnLog.open({ dataDir });
    try {
      expect(await again.decision(torn)).toBeUndefined();
      expect(await again.decision(kept)).toBe('commit');
      expect(await again.decide(torn, 'abort', ['s1'])).toBe('abort');
    } finally {
      await again.close();
    }
    expect(lines(dataDir).map((l) => JSON.parse(l).gid)).toEqual([kept, torn]);
    const third = await FileTxnLog.open({ dataDir });
    try {
      expect(await third.decision(torn)).toBe('abort');
    } finally {
      await third.close();
    }
  });

  it('refuses to open a file damaged before its last line, naming the line', async () => {
    const dataDir = freshDir();
    const log = await FileTxnLog.open({ dataDir });
    await log.decide(testGid(), 'commit', ['s0']);
    await log.close();
    const path = join(dataDir, defaultTxnLogFileName);
    writeFileSync(path, `${readFileSync(path, 'utf8')}not json\n{"op":"forget","gid":"${testGid()}"}\n`);
    const opening = FileTxnLog.open({ dataDir });
    await expect(opening).rejects.toMatchObject({ name: 'TxnLogError', code: 'XX001' });
    await expect(opening).rejects.toThrow(/damaged at line 2 \(not a JSON object\).*restore the file/);
    // The lock was given back: once the file is repaired it opens.
    writeFileSync(path, '');
    await (await FileTxnLog.open({ dataDir })).close();
  });

  it('compacts the file once forgotten decisions dominate it, keeping every remembered one', async () => {
    const dataDir = freshDir();
    const log = await FileTxnLog.open({ dataDir, compactMinRecords: 10 });
    const kept = [testGid('k1'), testGid('k2'), testGid('k3')];
    try {
      for (const gid of kept) await log.decide(gid, 'commit', ['s0', 's1']);
      for (let i = 0; i < 20; i++) {
        const gid = testGid(`x${i}`);
        await log.decide(gid, 'abort', ['s2']);
        await log.forget(gid);
      }
      expect(log.compactions).toBeGreaterThanOrEqual(1);
      // 43 records were written; after compaction far fewer are left.
      expect(lines(dataDir).length).toBeLessThan(15);
      await log.decide(testGid('after'), 'commit', ['s3']);
    } finally {
      await log.close();
    }
    const again = await FileTxnLog.open({ dataDir });
    try {
      const pending = (await again.pending()).map((p) => p.gid);
      expect(pending.slice(0, 3)).toEqual(kept);
      expect(pending).toHaveLength(4);
    } finally {
      await again.close();
    }
  });

  it('compacts without losing a decision or a forget made while it rewrites the file', async () => {
    const dataDir = freshDir();
    const log = await FileTxnLog.open({ dataDir, compactMinRecords: 8 });
    let expected: string[];
    try {
      const gids = Array.from({ length: 120 }, (_, i) => testGid(`p${i}`));
      // Waves of concurrent decides and forgets, so appends queue up while compactions run.
      for (let wave = 0; wave < 4; wave++) {
        const slice = gids.slice(wave * 30, wave * 30 + 30);
        await Promise.all(
          slice.map(async (gid, i) => {
            await log.decide(gid, i % 2 ? 'abort' : 'commit', ['s0']);
            if (i % 3 !== 0) await log.forget(gid);
          }),
        );
      }
      expect(log.compactions).toBeGreaterThanOrEqual(1);
      expected = (await log.pending()).map((p) => `${p.gid}=${p.decision}`).sort();
      expect(expected).toHaveLength(40);
    } finally {
      await log.close();
    }
    const again = await FileTxnLog.open({ dataDir });
    try {
      expect((await again.pending()).map((p) => `${p.gid}=${p.decision}`).sort()).toEqual(expected);
    } finally {
      await again.close();
    }
  });

  it('is open in one place at a time, and takes over a lock left by a dead process', async () => {
    const dataDir = freshDir();
    const log = await FileTxnLog.open({ dataDir });
    const second = FileTxnLog.open({ dataDir });
    await expect(second).rejects.toMatchObject({ name: 'TxnLogError', code: '55006' });
    await expect(second).rejects.toThrow(/is in use: this process already has it open/);
    await log.close();
    const dead = spawnSync(process.execPath, [
      '-e',
      'process.stdout.write(String(process.pid))',
    ]).stdout.toString();
    writeFileSync(join(dataDir, `${defaultTxnLogFileName}.lock`), `${dead}\n`);
    await (await FileTxnLog.open({ dataDir })).close();
    // A live owner (our parent, which certainly runs) keeps it.
    writeFileSync(join(dataDir, `${defaultTxnLogFileName}.lock`), `${process.ppid}\n`);
    await expect(FileTxnLog.open({ dataDir })).rejects.toThrow(
      new RegExp(`process ${process.ppid} has it open`),
    );
  });
});
