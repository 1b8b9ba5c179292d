// The changelog of an embedded (PGlite) shard, in SQL: what `installPgliteCapture` creates.
//
// Every captured table has two triggers: an AFTER row trigger that writes the old and new row (as
// `OLD::text` / `NEW::text`: each value printed by its type's output function, the text logical
// replication sends too) into `switchyard_cdc.changelog` in the same transaction, and an AFTER
// TRUNCATE statement trigger. Each trigger passes the table's *version*: a row of
// `switchyard_cdc.relations` holding the table's name and columns when the trigger was made, so a
// row written before an ALTER TABLE is read with the columns it was written with. An event trigger
// at the end of CREATE TABLE and ALTER TABLE (event triggers do fire in PGlite) installs the
// triggers on new tables and makes a new version when a table's name or columns change.
//
// Why the ids are commit order: PGlite is one PostgreSQL backend, and one backend runs one
// transaction at a time, so a transaction's changelog ids are all above those of every transaction
// that committed before it began. The one way to interleave is a prepared transaction (it leaves the
// backend before it commits); PgliteBackend runs nothing else while one is pending, and the
// changelog reader waits like any other statement.

/** Schema of everything capture creates in the shard. */
export const changelogSchema = 'switchyard_cdc';

/** The version of the SQL below; a shard with another version is installed again. */
export const changelogVersion = 'switchyard change capture 2';

/**
 * The settings row values must be printed with for src/sql/values to read them: ISO dates, the
 * `postgres` interval style, shortest-exact floats, hex bytea (any TimeZone will do: ISO prints a
 * numeric offset). Embedded shards share one session among all clients, so a client's SET changes
 * them; the trigger checks and, when they differ, prints the row through a function that applies
 * them for its own duration (the check is cheap, applying settings on every call is not).
 */
const outputSettings = `SET DateStyle = 'ISO, MDY' SET IntervalStyle = 'postgres' SET extra_float_digits = 1
  SET bytea_output = 'hex'`;
const standardSettings = `current_setting('DateStyle') = 'ISO, MDY' AND current_setting('IntervalStyle') = 'postgres'
    AND current_setting('extra_float_digits') = '1' AND current_setting('bytea_output') = 'hex'`;

/** Creates (or replaces) the capture objects; idempotent. */
export const installChangelogSql = `
CREATE SCHEMA IF NOT EXISTS ${changelogSchema};
CREATE TABLE IF NOT EXISTS ${changelogSchema}.relations (
  version integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  relid oid NOT NULL,
  schema_name text NOT NULL,
  table_name text NOT NULL,
  column_names text[] NOT NULL,
  column_types oid[] NOT NULL
);
CREATE INDEX IF NOT EXISTS relations_relid ON ${changelogSchema}.relations (relid, version);
CREATE TABLE IF NOT EXISTS ${changelogSchema}.changelog (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  gid text DEFAULT nullif(current_setting('switchyard.gid', true), ''),
  started_at timestamptz NOT NULL DEFAULT now(),
  relation integer NOT NULL,
  op "char" NOT NULL,
  old_row text,
  new_row text
);
CREATE TABLE IF NOT EXISTS ${changelogSchema}.consumers (
  name text PRIMARY KEY,
  acknowledged bigint NOT NULL,
  acknowledged_at timestamptz NOT NULL DEFAULT now()
);
CREATE OR REPLACE FUNCTION ${changelogSchema}.row_text(r anyelement) RETURNS text LANGUAGE sql
${outputSettings} AS $fn$ SELECT r::text $fn$;
CREATE OR REPLACE FUNCTION ${changelogSchema}.capture_row() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF ${standardSettings} THEN
    INSERT INTO ${changelogSchema}.changelog (relation, op, old_row, new_row)
    VALUES (TG_ARGV[0]::integer, substr(TG_OP, 1, 1), OLD::text, NEW::text);
  ELSE
    INSERT INTO ${changelogSchema}.changelog (relation, op, old_row, new_row)
    VALUES (TG_ARGV[0]::integer, substr(TG_OP, 1, 1), ${changelogSchema}.row_text(OLD), ${changelogSchema}.row_text(NEW));
  END IF;
  RETURN NULL;
END
$fn$;
CREATE OR REPLACE FUNCTION ${changelogSchema}.capture_truncate() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO ${changelogSchema}.changelog (relation, op) VALUES (TG_ARGV[0]::integer, 'T');
  RETURN NULL;
END
$fn$;
CREATE OR REPLACE FUNCTION ${changelogSchema}.track(rel oid) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  s text;
  t text;
  names text[];
  types oid[];
  latest record;
  v integer;
BEGIN
  SELECT n.nspname, c.relname INTO s, t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.oid = rel AND c.relkind = 'r' AND c.relpersistence = 'p'
     AND n.nspname NOT IN ('${changelogSchema}', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%';
  IF NOT FOUND THEN
    RETURN;
  END IF;
  SELECT coalesce(array_agg(attname::text ORDER BY attnum), '{}'), coalesce(array_agg(atttypid ORDER BY attnum), '{}')
    INTO names, types FROM pg_attribute WHERE attrelid = rel AND attnum > 0 AND NOT attisdropped;
  SELECT * INTO latest FROM ${changelogSchema}.relations WHERE relid = rel ORDER BY version DESC LIMIT 1;
  IF FOUND AND latest.schema_name = s AND latest.table_name = t AND latest.column_names = names
     AND latest.column_types = types
     AND EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = rel AND tgname = 'switchyard_cdc_row') THEN
    RETURN;
  END IF;
  INSERT INTO ${changelogSchema}.relations (relid, schema_name, table_name, column_names, column_types)
  VALUES (rel, s, t, names, types) RETURNING version INTO v;
  EXECUTE format('CREATE OR REPLACE TRIGGER switchyard_cdc_row AFTER INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION ${changelogSchema}.capture_row(%L)', rel::regclass, v);
  EXECUTE format('CREATE OR REPLACE TRIGGER switchyard_cdc_truncate AFTER TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION ${changelogSchema}.capture_truncate(%L)', rel::regclass, v);
END
$fn$;
CREATE OR REPLACE FUNCTION ${changelogSchema}.on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $fn$
DECLARE
  command record;
BEGIN
  FOR command IN SELECT DISTINCT objid FROM pg_event_trigger_ddl_commands()
                  WHERE classid = 'pg_class'::regclass LOOP
    PERFORM ${changelogSchema}.track(command.objid);
  END LOOP;
END
$fn$;
DO $do$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = 'switchyard_cdc_track') THEN
    CREATE EVENT TRIGGER switchyard_cdc_track ON ddl_command_end
      WHEN TAG IN ('CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO', 'ALTER TABLE')
      EXECUTE FUNCTION ${changelogSchema}.on_ddl();
  END IF;
END
$do$;
SELECT ${changelogSchema}.track(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'r' AND c.relpersistence = 'p'
   AND n.nspname NOT IN ('${changelogSchema}', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%';
COMMENT ON SCHEMA ${changelogSchema} IS '${changelogVersion}';
`;

/** Registers a consumer from the changelog's current end (it sees changes committed after this). */
export const registerConsumerSql = `INSERT INTO ${changelogSchema}.consumers (name, acknowledged)
  VALUES ($1, coalesce(pg_sequence_last_value('${changelogSchema}.changelog_id_seq'), 0))
  ON CONFLICT (name) DO NOTHING`;

/** Up to $2 changelog rows after id $1, in id (commit) order. */
export const readChangelogSql = `SELECT id, xid::text, gid, (extract(epoch FROM started_at) * 1000000)::bigint,
  relation, op, old_row, new_row
  FROM ${changelogSchema}.changelog WHERE id > $1 ORDER BY id LIMIT $2`;

/** Table versions by number ($1: an int[] literal). */
export const readRelationsSql = `SELECT version, schema_name, table_name, to_json(column_names)::text,
  to_json(column_types::integer[])::text
  FROM ${changelogSchema}.relations WHERE version = ANY($1::integer[])`;
