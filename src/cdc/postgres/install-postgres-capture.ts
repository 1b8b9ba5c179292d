// Prepares a PostgreSQL shard for change capture, idempotently: an event trigger that gives every
// table created from now on REPLICA IDENTITY FULL (so updates and deletes carry the whole old row),
// REPLICA IDENTITY FULL on the tables already there, the publication FOR ALL TABLES (so new tables
// are captured without a step of ours), and one logical replication slot per consumer. The trigger
// and the identities come before the publication: a table published with neither a primary key nor
// FULL identity refuses UPDATE and DELETE.
import type { ShardBackend, ShardQueryable } from '../../backend/shard-backend.js';
import { ShardError } from '../../backend/shard-error.js';
import { CdcError, CdcErrorCode } from '../cdc-error.js';
import { captureSchema, eventTriggerName, publicationName, slotName } from './capture-names.js';

/** SQL an administrator can run instead, when Switchyard's user may not (shown in the error). */
export const postgresCaptureSetupSql = `CREATE SCHEMA IF NOT EXISTS ${captureSchema};
CREATE OR REPLACE FUNCTION ${captureSchema}.replica_identity_full() RETURNS event_trigger
LANGUAGE plpgsql AS $fn$
DECLARE
  command record;
BEGIN
  FOR command IN SELECT objid FROM pg_event_trigger_ddl_commands() WHERE object_type = 'table' LOOP
    IF EXISTS (SELECT 1 FROM pg_class WHERE oid = command.objid AND relkind = 'r'
               AND relpersistence = 'p' AND relreplident <> 'f') THEN
      EXECUTE format('ALTER TABLE %s REPLICA IDENTITY FULL', command.objid::regclass);
    END IF;
  END LOOP;
END
$fn$;
DO $do$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = '${eventTriggerName}') THEN
    CREATE EVENT TRIGGER ${eventTriggerName} ON ddl_command_end
      WHEN TAG IN ('CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO')
      EXECUTE FUNCTION ${captureSchema}.replica_identity_full();
  END IF;
END
$do$;
DO $do$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relkind = 'r' AND c.relpersistence = 'p' AND c.relreplident <> 'f'
             AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%' LOOP
    EXECUTE format('ALTER TABLE %s REPLICA IDENTITY FULL', t.oid::regclass);
  END LOOP;
END
$do$;
DO $do$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = '${publicationName}') THEN
    CREATE PUBLICATION ${publicationName} FOR ALL TABLES;
  END IF;
END
$do$;`;

/**
 * Installs capture on the shard and creates the slots of `consumers` that do not exist yet (a new
 * slot captures changes committed from its creation on). Returns each consumer's slot name.
 *
 * @throws CdcError 42501 naming the privilege that is missing (with the SQL an administrator can
 *   run instead), 55000 when a publication of that name exists but does not cover all tables.
 */
export async function installPostgresCapture(
  db: ShardBackend,
  consumers: readonly string[],
): Promise<Map<string, string>> {
  const shard = db.shard;
  const [database, superuser, replication, walLevel] = (
    await db.query(
      "SELECT current_database(), rolsuper, rolreplication, current_setting('wal_level') FROM pg_roles WHERE rolname = current_user",
    )
  ).rows[0]!;
  if (walLevel !== 'logical') {
    throw new CdcError(
      CdcErrorCode.notInPrerequisiteState,
      `change capture needs logical decoding, but the server runs with wal_level = ${walLevel}; set wal_level = logical in postgresql.conf and restart the server`,
      { shard },
    );
  }
  const installed = await isInstalled(db);
  if (!installed && superuser !== 't') {
    throw new CdcError(
      CdcErrorCode.insufficientPrivilege,
      `change capture needs a publication FOR ALL TABLES and an event trigger, which only a superuser can create; connect the shard as a superuser, or have an administrator run once in database ${database}:\n${postgresCaptureSetupSql}`,
      { shard },
    );
  }
  if (!installed) await install(db);
  await checkPublication(db);
  if (consumers.length > 0 && superuser !== 't' && replication !== 't') {
    throw new CdcError(
      CdcErrorCode.insufficientPrivilege,
      'change capture needs replication slots, which need the REPLICATION attribute: ALTER ROLE <user> REPLICATION',
      { shard },
    );
  }
  const slots = new Map<string, string>();
  for (const consumer of consumers) {
    const slot = slotName(database!, shard, consumer);
    await ensureSlot(db, slot);
    slots.set(consumer, slot);
  }
  return slots;
}

/** The slot's row in pg_replication_slots, or undefined. */
export async function slotInfo(
  db: ShardQueryable,
  slot: string,
): Promise<
  | { confirmedFlush: string | null; database: string | null; plugin: string | null; active: boolean }
  | undefined
> {
  const { rows } = await db.query(
    'SELECT confirmed_flush_lsn::text, database, plugin, active FROM pg_replication_slots WHERE slot_name = $1',
    [slot],
  );
  const row = rows[0];
  return row
    ? { confirmedFlush: row[0]!, database: row[1]!, plugin: row[2]!, active: row[3] === 't' }
    : undefined;
}

/** Drops a consumer's slot (it stops holding WAL back; its unread changes are gone). */
export async function dropSlot(db: ShardQueryable, slot: string): Promise<void> {
  await db.query(
    'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1',
    [slot],
  );
}

async function isInstalled(db: ShardQueryable): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = $1 AND evtenabled <> 'D'),
            EXISTS (SELECT 1 FROM pg_publication WHERE pubname = $2),
            NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE c.relkind = 'r' AND c.relpersistence = 'p' AND c.relreplident <> 'f'
                          AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%')`,
    [eventTriggerName, publicationName],
  );
  return rows[0]!.every((v) => v === 't');
}

async function install(db: ShardBackend): Promise<void> {
  const session = await db.session();
  try {
    await session.exec('BEGIN');
    // Two routers starting together must not both create the trigger and the publication.
    await session.query("SELECT pg_advisory_xact_lock(hashtext('switchyard_cdc_install'))");
    await session.exec(postgresCaptureSetupSql);
    await session.exec('COMMIT');
  } catch (error) {
    throw new CdcError(
      error instanceof ShardError && error.code === '42501'
        ? CdcErrorCode.insufficientPrivilege
        : CdcErrorCode.notInPrerequisiteState,
      `could not install change capture: ${error instanceof Error ? error.message : String(error)}`,
      { shard: db.shard, cause: error },
    );
  } finally {
    await session.release();
  }
}

async function checkPublication(db: ShardBackend): Promise<void> {
  const { rows } = await db.query(
    'SELECT puballtables, pubinsert, pubupdate, pubdelete, pubtruncate FROM pg_publication WHERE pubname = $1',
    [publicationName],
  );
  const row = rows[0];
  if (!row || row.some((v) => v !== 't')) {
    throw new CdcError(
      CdcErrorCode.notInPrerequisiteState,
      `publication ${publicationName} exists but does not publish every change of all tables; drop it (DROP PUBLICATION ${publicationName}) and Switchyard creates it FOR ALL TABLES`,
      { shard: db.shard },
    );
  }
}

async function ensureSlot(db: ShardBackend, slot: string): Promise<void> {
  const existing = await slotInfo(db, slot);
  if (existing) {
    if (existing.plugin !== 'pgoutput') {
      throw new CdcError(
        CdcErrorCode.notInPrerequisiteState,
        `replication slot ${slot} exists but is not a pgoutput logical slot; drop it (SELECT pg_drop_replication_slot('${slot}'))`,
        { shard: db.shard },
      );
    }
    return;
  }
  try {
    await db.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [slot]);
  } catch (error) {
    // Another router created it meanwhile.
    if (error instanceof ShardError && error.code === '42710') return;
    throw error;
  }
}
