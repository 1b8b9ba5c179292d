// The `cdc` section of switchyard.yaml and how a cluster starts with it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PgliteBackend } from '../../src/backend/pglite-backend.js';
import { ChangeCapture } from '../../src/cdc/change-capture.js';
import { Cluster } from '../../src/cluster/cluster.js';
import { parseConfig } from '../../src/cluster/config.js';

describe('cdc configuration', () => {
  it('fills in defaults', () => {
    const config = parseConfig({ shards: 2, cdc: { consumers: ['views'] } });
    expect(config.cdc).toEqual({
      consumers: ['views'],
      pollIntervalMs: 100,
      statusIntervalMs: 1000,
      lag: { warnBytes: 1024 ** 3, warnSeconds: 300, checkIntervalMs: 60_000 },
    });
    expect(parseConfig({ shards: 2 }).cdc).toBeUndefined();
  });

  it('names each mistake with its path', () => {
    const problems = (cdc: unknown) => {
      try {
        parseConfig({ shards: 2, cdc });
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(problems({ consumers: [] })).toMatch(/cdc\.consumers: expected at least one consumer/);
    expect(problems({ consumers: ['Views'] })).toMatch(/cdc\.consumers\.0: expected a consumer name/);
    expect(problems({ consumers: ['a', 'a'] })).toMatch(/cdc\.consumers\.1: consumer "a" is named twice/);
    expect(problems({ consumers: ['a'], pollIntervalMs: 0 })).toMatch(/cdc\.pollIntervalMs/);
    expect(problems({ consumers: ['a'], lag: { warnBytes: 'lots' } })).toMatch(/cdc\.lag\.warnBytes/);
    expect(problems({ consumers: ['a'], slots: 3 })).toMatch(/cdc\.slots: unknown field/);
  });

  it('gives a cluster without a cdc section no change capture, with a clear error', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-cdc-config-'));
    const cluster = await Cluster.start(parseConfig({ shards: 1, dataDir }));
    try {
      expect(() => cluster.changes).toThrow(/change capture is not configured: add a cdc section/);
      const { rows } = await cluster
        .backend('s0')
        .query("SELECT count(*) FROM pg_namespace WHERE nspname = 'switchyard_cdc'");
      expect(rows).toEqual([['0']]);
    } finally {
      await cluster.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('warns about consumers registered on a shard but no longer configured', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-cdc-forgotten-'));
    const backend = await PgliteBackend.open('s0', join(dir, 's0'));
    try {
      const shards = [{ id: 0, name: 's0', primary: 'pglite://shards/s0', backend }];
      const first = await ChangeCapture.start(shards, { consumers: ['views', 'old'], lagCheckIntervalMs: 0 });
      await first.close();
      const warnings: string[] = [];
      const logger = { warn: (_fields: unknown, message: string) => warnings.push(message), info: () => {} };
      const second = await ChangeCapture.start(shards, {
        consumers: ['views'],
        lagCheckIntervalMs: 0,
        logger: logger as never,
      });
      await second.close();
      expect(warnings).toEqual([
        expect.stringMatching(
          /consumer old is registered on the shard but not configured.*DELETE FROM switchyard_cdc.consumers WHERE name = 'old'/,
        ),
      ]);
      await expect(ChangeCapture.start(shards, { consumers: ['views', 'views'] })).rejects.toThrow(
        /named twice/,
      );
    } finally {
      await backend.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
