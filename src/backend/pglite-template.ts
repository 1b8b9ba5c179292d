// New embedded shards are copies of one template data directory. Running initdb costs seconds per
// database, a copy a fraction of that, so the template is initialised once per PGlite version and
// cached on disk. Both the template and each shard directory appear atomically (built under a
// temporary name, then renamed), so a crash or a concurrent test process never sees half of one.
import { randomBytes } from 'node:crypto';
import {
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { SqlState } from '../util/errors.js';
import { loadPgliteRuntime } from './pglite-runtime.js';
import { ShardError } from './shard-error.js';

/**
 * Bumped whenever the way the template is made changes, so an old cached template is not reused.
 * v2: initdb with 1 MB WAL segments and no recycled segments kept: with the defaults, 16 MB of the
 * 39 MB of a fresh data directory is WAL, and copying it dominated a shard's start-up (now 24 MB).
 */
const templateFormat = 2;
const initDbArgs = ['--wal-segsize=1', '-c', 'min_wal_size=2MB', '-c', 'wal_recycle=off'];

/** Where templates are cached: `$SWITCHYARD_PGLITE_CACHE`, else `<os tmpdir>/switchyard-pglite`. */
export function defaultTemplateCacheDir(): string {
  return process.env.SWITCHYARD_PGLITE_CACHE ?? join(tmpdir(), 'switchyard-pglite');
}

const building = new Map<string, Promise<string>>();

/** True when `dir` holds a PostgreSQL data directory. */
export function isPgliteDataDir(dir: string): boolean {
  return existsSync(join(dir, 'PG_VERSION'));
}

/**
 * The path of the template data directory for the installed PGlite version, initialising it first
 * when it is not cached yet. Safe to call concurrently from several calls and several processes:
 * each builds under a private name and renames it into place; a loser of that race uses the winner's.
 */
export function ensurePgliteTemplate(cacheDir: string = defaultTemplateCacheDir()): Promise<string> {
  let pending = building.get(cacheDir);
  if (!pending) {
    pending = buildTemplate(cacheDir);
    building.set(cacheDir, pending);
    pending.catch(() => building.delete(cacheDir));
  }
  return pending;
}

async function buildTemplate(cacheDir: string): Promise<string> {
  const runtime = await loadPgliteRuntime();
  const target = join(cacheDir, `pglite-${runtime.version}-template-v${templateFormat}`);
  if (isPgliteDataDir(target)) return target;
  mkdirSync(cacheDir, { recursive: true });
  removeStaleBuilds(cacheDir);
  const scratch = mkdtempSync(join(cacheDir, `.build-${basename(target)}-`));
  try {
    const db = await PGlite.create({
      dataDir: scratch,
      initDbStartParams: initDbArgs,
      pgliteWasmModule: runtime.pgliteWasmModule,
      fsBundle: runtime.fsBundle,
    });
    await db.close();
    try {
      renameSync(scratch, target);
    } catch (error) {
      // Another process renamed its template into place first; theirs is as good as ours.
      if (!isPgliteDataDir(target)) throw error;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return target;
}

/** Build directories left by a process that died mid-initdb (older than an hour) are removed. */
function removeStaleBuilds(cacheDir: string): void {
  const hourAgo = Date.now() - 3_600_000;
  for (const name of readdirSync(cacheDir)) {
    if (!name.startsWith('.build-')) continue;
    const path = join(cacheDir, name);
    try {
      if (statSync(path).mtimeMs < hourAgo) rmSync(path, { recursive: true, force: true });
    } catch {
      // Another process removed it meanwhile.
    }
  }
}

/**
 * Makes `dataDir` a data directory for `shard`: an existing one is left as is (returns false); a
 * missing or empty one becomes a copy of the template (returns true). The copy is made beside it
 * and renamed into place, so an interrupted copy never looks like a shard.
 */
export async function preparePgliteDataDir(
  shard: string,
  dataDir: string,
  cacheDir: string = defaultTemplateCacheDir(),
): Promise<boolean> {
  if (isPgliteDataDir(dataDir)) return false;
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new ShardError(
      shard,
      SqlState.objectNotInPrerequisiteState,
      `the data directory ${dataDir} is not empty but holds no database (no PG_VERSION); move its contents away or give the shard another directory`,
    );
  }
  const template = await ensurePgliteTemplate(cacheDir);
  mkdirSync(dirname(dataDir), { recursive: true });
  const scratch = `${dataDir}.copy-${randomBytes(4).toString('hex')}`;
  try {
    await copyTree(template, scratch);
    if (existsSync(dataDir)) rmdirSync(dataDir);
    renameSync(scratch, dataDir);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return true;
}

/**
 * Copies a directory tree, many files at a time on libuv's thread pool: twice as fast as `cpSync`
 * for a data directory's thousand small files, and the event loop stays free meanwhile, so shards
 * started together overlap their copies with each other's start-up.
 */
async function copyTree(source: string, target: string, concurrency = 16): Promise<void> {
  const files: string[] = [];
  const walk = (relative: string) => {
    mkdirSync(join(target, relative));
    for (const entry of readdirSync(join(source, relative), { withFileTypes: true })) {
      const path = join(relative, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.push(path);
    }
  };
  walk('');
  let next = 0;
  const worker = async () => {
    for (let file = files[next++]; file !== undefined; file = files[next++]) {
      // FICLONE makes a copy-on-write clone where the file system supports it, a plain copy elsewhere.
      await copyFile(join(source, file), join(target, file), constants.COPYFILE_FICLONE);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
