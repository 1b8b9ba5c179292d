// Starts real PostgreSQL servers for integration suites: initdb in a temporary directory (as the
// `postgres` user when the tests run as root, since initdb refuses root), a free loopback port,
// `max_prepared_transactions` and `wal_level=logical` set, and everything stopped and removed
// afterwards, even when a test fails or the test process dies.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** A running PostgreSQL server owned by a test suite. */
export interface PgServer {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** A connection string for `database` (default `postgres`) as the superuser `postgres`. */
  url(database?: string): string;
  /** Stops the server immediately (as a crash would) without removing its data; `start()` brings it back. */
  kill(): void;
  /** Starts a server that was stopped with `kill()`. */
  start(): void;
  /** Stops the server and removes its data directory. Safe to call twice. */
  stop(): void;
}

export interface PgServerOptions {
  /** Extra `postgresql.conf` settings, e.g. `{ max_connections: '50' }`. */
  settings?: Record<string, string>;
}

const running = new Set<PgServer>();
let exitHookInstalled = false;

/**
 * The directory holding `initdb`, `pg_ctl` and `postgres`: `$PG_BIN` if set, else the newest
 * `/usr/lib/postgresql/<version>/bin`. Undefined when no server binaries are installed.
 */
export function findPgBin(): string | undefined {
  const fromEnv = process.env.PG_BIN;
  if (fromEnv && existsSync(join(fromEnv, 'initdb'))) return fromEnv;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  const newest = versions[0];
  return newest === undefined ? undefined : join(base, newest, 'bin');
}

/** Why real-PostgreSQL suites cannot run here, or undefined when they can. */
export function pgUnavailableReason(): string | undefined {
  if (process.env.SWITCHYARD_SKIP_POSTGRES === '1') return 'SWITCHYARD_SKIP_POSTGRES=1 is set';
  if (!findPgBin()) {
    return 'no PostgreSQL server binaries (initdb) under /usr/lib/postgresql/*/bin and PG_BIN is not set; install Debian\'s "postgresql" package';
  }
  if (userInfo().uid === 0 && spawnSync('id', ['postgres']).status !== 0) {
    return 'running as root but there is no "postgres" user to run initdb as';
  }
  return undefined;
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not find a free port'));
      });
    });
  });
}

function asPostgresUser(bin: string, args: string[]): void {
  const isRoot = userInfo().uid === 0;
  const [command, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  execFileSync(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: tmpdir() });
}

/**
 * Starts a fresh PostgreSQL server on a free port of 127.0.0.1 with trust authentication for the
 * `postgres` superuser, the C collation with UTF-8 character semantics (as PGlite), two-phase commit
 * and logical decoding enabled.
 *
 * @example
 *   const server = await startPostgres();
 *   afterAll(() => server.stop());
 *   const client = new pg.Client(server.url());
 */
export async function startPostgres(options: PgServerOptions = {}): Promise<PgServer> {
  const bin = findPgBin();
  if (!bin) throw new Error(pgUnavailableReason());
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-pg-'));
  if (userInfo().uid === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dataDir, uid, gid);
  }
  asPostgresUser(join(bin, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--lc-collate=C',
    '--lc-ctype=C.UTF-8',
    '--no-sync',
  ]);
  const port = await freePort();
  const settings: Record<string, string> = {
    listen_addresses: "'127.0.0.1'",
    port: String(port),
    unix_socket_directories: `'${dataDir}'`,
    max_prepared_transactions: '64',
    wal_level: 'logical',
    max_wal_senders: '16',
    max_replication_slots: '16',
    max_connections: '200',
    // fsync off keeps tests fast and loses nothing when only the server process dies (the OS keeps
    // its buffers); synchronous_commit stays on so `kill()` never loses a commit that was acknowledged.
    fsync: 'off',
    full_page_writes: 'off',
    ...options.settings,
  };
  const serverArgs = Object.entries(settings)
    .map(([k, v]) => `-c ${k}=${v}`)
    .join(' ');
  const pgCtl = join(bin, 'pg_ctl');
  const start = () =>
    asPostgresUser(pgCtl, [
      '-D',
      dataDir,
      '-o',
      serverArgs,
      '-l',
      join(dataDir, 'server.log'),
      '-w',
      'start',
    ]);
  let stopped = false;
  const server: PgServer = {
    port,
    host: '127.0.0.1',
    dataDir,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    kill: () => {
      spawnSync(userInfo().uid === 0 ? 'runuser' : pgCtl, pgCtlStopArgs(pgCtl, dataDir), { stdio: 'ignore' });
    },
    start,
    stop: () => {
      if (stopped) return;
      stopped = true;
      running.delete(server);
      server.kill();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  start();
  running.add(server);
  installExitHook();
  return server;
}

function pgCtlStopArgs(pgCtl: string, dataDir: string): string[] {
  const args = ['-D', dataDir, '-m', 'immediate', '-w', 'stop'];
  return userInfo().uid === 0 ? ['-u', 'postgres', '--', pgCtl, ...args] : args;
}

/** Servers left running by a test process that exits without its afterAll hooks are stopped here. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const server of [...running]) server.stop();
  });
}
