// Change capture throughput from one PostgreSQL 15 shard under an insert load. In the same run:
//  - the insert load alone (rows/s the server commits: the rate capture must keep up with);
//  - the server's own decoding (pg_logical_slot_peek_binary_changes counted in SQL: no network, no JS);
//  - the raw replication stream (every pgoutput message received and counted, not decoded);
//  - Switchyard's PostgresChangeSource (decoded, typed ChangeEvents in batches, each acknowledged),
//    draining a backlog of BENCH_CDC_ROWS inserts;
//  - live: inserts and capture at the same time for BENCH_CDC_SECONDS, with the delay between the
//    load's end and the capture having delivered everything.
// And for an embedded (PGlite) shard, in the same run: inserts into a table without capture against
// a captured one (the trigger writes a changelog row per row), and the changelog reader's rate.
// Settings: BENCH_CDC_ROWS (500 000), BENCH_CDC_SECONDS (10), BENCH_CDC_PGLITE_ROWS (50 000).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgliteBackend } from '../../src/backend/pglite-backend.js';
import { PostgresBackend } from '../../src/backend/postgres-backend.js';
import { installPgliteCapture } from '../../src/cdc/pglite/install-pglite-capture.js';
import { PgliteChangeSource } from '../../src/cdc/pglite/pglite-change-source.js';
import { installPostgresCapture } from '../../src/cdc/postgres/install-postgres-capture.js';
import { PostgresChangeSource } from '../../src/cdc/postgres/postgres-change-source.js';
import { ReplicationConnection } from '../../src/cdc/postgres/replication-connection.js';
import { findPgBin, type PgServer, startPostgres } from '../../test/harness/postgres-server.js';
import { writeResults } from '../lib.js';

const ROWS = Number(process.env.BENCH_CDC_ROWS ?? 500_000);
const LIVE_SECONDS = Number(process.env.BENCH_CDC_SECONDS ?? 10);
const BATCH = 10_000;
const PGLITE_ROWS = Number(process.env.BENCH_CDC_PGLITE_ROWS ?? 50_000);
/** Each backlog figure is the best of this many rounds (the machine is shared). */
const ROUNDS = 3;

/** `name1` … `nameROUNDS`. */
function rounds(name: string): string[] {
  return Array.from({ length: ROUNDS }, (_, i) => `${name}${i + 1}`);
}

const schema =
  'CREATE TABLE events (id bigint PRIMARY KEY, tenant_id bigint NOT NULL, kind text NOT NULL, amount numeric(12,2) NOT NULL, created_at timestamptz NOT NULL)';

/** Inserts rows `from`…`to` in one statement (one transaction). */
function insertSql(from: number, to: number): string {
  return `INSERT INTO events SELECT g, g % 1000, 'kind-' || (g % 7), (g % 100000) / 100.0, now() FROM generate_series(${from}, ${to}) g`;
}

const rate = (count: number, ms: number) => Math.round((count / ms) * 1000);

export async function run(): Promise<void> {
  if (!findPgBin()) {
    console.log("bench/cdc skipped: no PostgreSQL server binaries (install Debian's postgresql package)");
    return;
  }
  const loadBefore = loadavg();
  const server = await startPostgres({ settings: { shared_buffers: '256MB', max_wal_size: '4GB' } });
  const db = new PostgresBackend('s0', { connectionString: server.url() });
  try {
    await db.exec(schema);
    await db.exec(schema.replace('TABLE events', 'TABLE probe'));

    // 1. The insert load alone (into a table of its own, before any slot exists), best of ROUNDS.
    let insertMs = Number.POSITIVE_INFINITY;
    for (let round = 0; round < ROUNDS; round++) {
      await db.exec('TRUNCATE probe');
      const t0 = performance.now();
      for (let from = 1; from <= ROWS; from += BATCH) {
        await db.exec(insertSql(from, Math.min(ROWS, from + BATCH - 1)).replace('INTO events', 'INTO probe'));
      }
      insertMs = Math.min(insertMs, performance.now() - t0);
    }
    await db.exec('DROP TABLE probe');

    // The backlog: every slot below holds the same ROWS inserts.
    const names = ['sqlpeek', ...rounds('raw'), ...rounds('capture')];
    const slots = await installPostgresCapture(db, names);
    for (let from = 1; from <= ROWS; from += BATCH)
      await db.exec(insertSql(from, Math.min(ROWS, from + BATCH - 1)));

    // 2. The server's own decoding of the backlog, counted in SQL (a peek consumes nothing).
    let peekMs = Number.POSITIVE_INFINITY;
    for (let round = 0; round < ROUNDS; round++) {
      const t0 = performance.now();
      const { rows } = await db.query(
        `SELECT count(*) FILTER (WHERE get_byte(data, 0) = 73) FROM pg_logical_slot_peek_binary_changes($1, NULL, NULL,
           'proto_version', '1', 'publication_names', 'switchyard_cdc')`,
        [slots.get('sqlpeek')!],
      );
      peekMs = Math.min(peekMs, performance.now() - t0);
      if (Number(rows[0]![0]) !== ROWS)
        throw new Error(`the server decoded ${rows[0]![0]} inserts, not ${ROWS}`);
    }

    // 3. The raw replication stream: messages counted, not decoded.
    let rawMs = Number.POSITIVE_INFINITY;
    for (const name of rounds('raw')) rawMs = Math.min(rawMs, await rawStream(server, slots.get(name)!));

    // 4. Switchyard's change source: decoded, typed events, acknowledged per batch.
    let captureMs = Number.POSITIVE_INFINITY;
    let events = 0;
    for (const name of rounds('capture')) {
      const source = new PostgresChangeSource({
        shard: 's0',
        shardId: 0,
        consumer: name,
        connectionString: server.url(),
        db,
        slot: slots.get(name)!,
      });
      const t0 = performance.now();
      events = 0;
      for await (const batch of source.read()) {
        events += batch.length;
        await source.acknowledge(batch[batch.length - 1]!.position);
        if (events >= ROWS) break;
      }
      captureMs = Math.min(captureMs, performance.now() - t0);
      await source.close();
    }

    // 5. Live: inserts and capture at once, on a slot made now (it holds none of the backlog).
    const liveSlot = (await installPostgresCapture(db, ['live'])).get('live')!;
    const live = await liveRun(server, db, liveSlot);

    const embedded = await pgliteRun();

    const loadAfter = loadavg();
    const figures = {
      'insert load alone (rows/s)': rate(ROWS, insertMs),
      'server decoding, SQL peek (rows/s)': rate(ROWS, peekMs),
      'raw replication stream, not decoded (messages/s)': rate(ROWS, rawMs),
      'Switchyard change source, backlog (events/s)': rate(events, captureMs),
      'live: inserts (rows/s)': live.insertRate,
      'live: change source (events/s)': live.captureRate,
      'live: delivered everything this long after the last insert (ms)': live.catchUpMs,
      'PGlite: inserts, table not captured (rows/s)': embedded.plainRate,
      'PGlite: inserts, captured table (rows/s)': embedded.capturedRate,
      'PGlite: changelog reader (events/s)': embedded.readRate,
    };
    console.table(figures);
    const file = writeResults('cdc', {
      setup: {
        rows: ROWS,
        rowsPerInsertTransaction: BATCH,
        liveSeconds: LIVE_SECONDS,
        liveRowsPerInsertTransaction: 1000,
        liveSlot: 'created after the backlog phases, so it holds only the live inserts',
        rounds: `best of ${ROUNDS} for the insert rates, the SQL peek, the raw stream and the change source; the live run and the PGlite reader once`,
        pgliteRows: PGLITE_ROWS,
        pgliteRowsPerInsertTransaction: 1000,
        table: schema,
        server:
          'one local PostgreSQL 15 server (harness: fsync off, shared_buffers 256MB), reached over loopback TCP',
        captureBatch: 'default maxBatch 1000, acknowledged after each batch',
        loadAverageBefore: loadBefore.map((l) => Math.round(l * 100) / 100),
        loadAverageAfter: loadAfter.map((l) => Math.round(l * 100) / 100),
      },
      figures,
      ratios: {
        'change source / insert load': round(rate(events, captureMs) / rate(ROWS, insertMs)),
        'change source / raw stream': round(rate(events, captureMs) / rate(ROWS, rawMs)),
        'PGlite: captured inserts / plain inserts': round(embedded.capturedRate / embedded.plainRate),
      },
    });
    console.log(`wrote ${file}`);
  } finally {
    await db.close();
    server.stop();
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Milliseconds to receive the slot's ROWS insert messages over a replication connection. */
async function rawStream(server: PgServer, slot: string): Promise<number> {
  let inserts = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  const t0 = performance.now();
  const connection = await ReplicationConnection.open({
    shard: 's0',
    connectionString: server.url(),
    slot,
    publication: 'switchyard_cdc',
    startLsn: 0n,
    connectTimeoutMs: 5000,
    applicationName: 'bench-raw',
    // 'w' XLogData whose pgoutput message is an Insert ('I').
    onData: (payload) => {
      if (payload[0] === 0x77 && payload[25] === 0x49 && ++inserts === ROWS) done();
    },
    onEnd: () => {},
  });
  await finished;
  const ms = performance.now() - t0;
  await connection.close(0n);
  return ms;
}

/** Inserts for LIVE_SECONDS while a change source reads; rates over the same window. */
async function liveRun(server: PgServer, db: PostgresBackend, slot: string) {
  const source = new PostgresChangeSource({
    shard: 's0',
    shardId: 0,
    consumer: 'live',
    connectionString: server.url(),
    db,
    slot,
  });
  let events = 0;
  let inserted = 0;
  const stop = new AbortController();
  const reading = (async () => {
    for await (const batch of source.read({ signal: stop.signal })) {
      events += batch.length;
      await source.acknowledge(batch[batch.length - 1]!.position);
    }
  })();
  const t0 = performance.now();
  let next = ROWS + 1;
  while (performance.now() - t0 < LIVE_SECONDS * 1000) {
    await db.exec(insertSql(next, next + 999));
    next += 1000;
    inserted += 1000;
  }
  const loadMs = performance.now() - t0;
  const endOfLoad = performance.now();
  while (events < inserted) await new Promise((resolve) => setTimeout(resolve, 2));
  const lastEventAt = performance.now();
  stop.abort();
  await reading;
  await source.close();
  return {
    insertRate: rate(inserted, loadMs),
    captureRate: rate(events, lastEventAt - t0),
    catchUpMs: Math.round(lastEventAt - endOfLoad),
  };
}

/** An embedded shard: inserts without and with capture, then the changelog read back. */
async function pgliteRun() {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-cdc-'));
  const db = await PgliteBackend.open('s0', join(dir, 's0'));
  try {
    const load = async (table: string) => {
      const t0 = performance.now();
      for (let from = 1; from <= PGLITE_ROWS; from += 1000) {
        await db.exec(
          insertSql(from, Math.min(PGLITE_ROWS, from + 999)).replace('INTO events', `INTO ${table}`),
        );
      }
      return rate(PGLITE_ROWS, performance.now() - t0);
    };
    await db.exec(
      `${schema.replace('TABLE events', 'TABLE plain')}; ${schema.replace('TABLE events', 'TABLE captured')}`,
    );
    await installPgliteCapture(db, ['bench']);
    // The plain table is left out of capture by dropping its triggers.
    await db.exec('DROP TRIGGER switchyard_cdc_row ON plain; DROP TRIGGER switchyard_cdc_truncate ON plain');
    let plainRate = 0;
    let capturedRate = 0;
    for (let round = 0; round < ROUNDS; round++) {
      await db.exec('TRUNCATE plain');
      plainRate = Math.max(plainRate, await load('plain'));
      // TRUNCATE of a captured table is one changelog row: the reader below sees every round's inserts.
      await db.exec('TRUNCATE captured');
      capturedRate = Math.max(capturedRate, await load('captured'));
    }
    const source = new PgliteChangeSource(db, { shardId: 0, consumer: 'bench' });
    const t0 = performance.now();
    let events = 0;
    for await (const batch of source.read()) {
      events += batch.length;
      await source.acknowledge(batch[batch.length - 1]!.position);
      if (events >= ROUNDS * (PGLITE_ROWS + 1)) break;
    }
    const readRate = rate(events, performance.now() - t0);
    await source.close();
    return { plainRate, capturedRate, readRate };
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
