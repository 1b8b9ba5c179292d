// Telling PostgreSQL's own relations (pg_catalog, information_schema) and functions apart from the
// user's. Every shard has the same system catalogs, so a query that reads only them, or calls only
// functions without side effects, gets the same answer wherever it runs.

/** Schemas whose relations are PostgreSQL's own. */
const SYSTEM_SCHEMAS = new Set(['pg_catalog', 'information_schema', 'pg_toast']);

/**
 * True for a relation of PostgreSQL's catalog: any relation of pg_catalog, information_schema or
 * pg_toast, and an unqualified `pg_…` name (pg_catalog comes first on every search path, and user
 * relations may not be named `pg_…` in practice).
 */
export function isCatalogRelation(table: {
  readonly schema: string | undefined;
  readonly name: string;
}): boolean {
  if (table.schema !== undefined) return SYSTEM_SCHEMAS.has(table.schema);
  return table.name.startsWith('pg_');
}

/** What calling a function does beyond computing its result. */
export type FunctionEffect =
  /** Same answer on every shard, no lasting effect: version(), current_setting(), now(), format_type(). */
  | 'none'
  /** Changes or reads per-database state: sequences, advisory locks, notifications, settings. */
  | 'side-effect'
  /** A function Switchyard does not know (a user's function may read or write anything). */
  | 'unknown';

// Sequences, advisory locks, NOTIFY, settings, large objects, and backend signalling: their effect
// lives in one database, so they must run where the session's other work on that state runs.
const SIDE_EFFECTS = new Set([
  'nextval',
  'setval',
  'currval',
  'lastval',
  'set_config',
  'pg_notify',
  'pg_cancel_backend',
  'pg_terminate_backend',
  'pg_reload_conf',
  'pg_rotate_logfile',
  'pg_switch_wal',
  'pg_create_restore_point',
  'txid_current',
  'pg_current_xact_id',
  'lo_create',
  'lo_creat',
  'lo_import',
  'lo_export',
  'lo_unlink',
  'lo_open',
  'lo_put',
  'lo_from_bytea',
]);

// Common built-ins with no effect whose result does not depend on which shard answers. Anything
// not listed is treated as unknown, which is always safe: it runs on the home shard.
const NO_EFFECT = new Set([
  'version',
  'current_setting',
  'current_database',
  'current_schema',
  'current_schemas',
  'current_user',
  'session_user',
  'now',
  'statement_timestamp',
  'transaction_timestamp',
  'clock_timestamp',
  'timeofday',
  'format_type',
  'obj_description',
  'col_description',
  'shobj_description',
  'array_to_string',
  'array_length',
  'array_agg',
  'string_agg',
  'unnest',
  'generate_series',
  'format',
  'concat',
  'concat_ws',
  'upper',
  'lower',
  'length',
  'char_length',
  'substr',
  'substring',
  'replace',
  'regexp_replace',
  'split_part',
  'trim',
  'btrim',
  'ltrim',
  'rtrim',
  'lpad',
  'rpad',
  'abs',
  'round',
  'floor',
  'ceil',
  'mod',
  'power',
  'sqrt',
  'random',
  'gen_random_uuid',
  'md5',
  'to_char',
  'to_number',
  'to_date',
  'to_timestamp',
  'date_trunc',
  'date_part',
  'extract',
  'age',
  'count',
  'sum',
  'min',
  'max',
  'avg',
  'quote_ident',
  'quote_literal',
  'quote_nullable',
  'inet_server_addr',
  'inet_server_port',
  'inet_client_addr',
  'inet_client_port',
  'row_number',
  'jsonb_build_object',
  'json_build_object',
  'jsonb_agg',
  'json_agg',
  'to_json',
  'to_jsonb',
  'encode',
  'decode',
]);

/**
 * What calling the function `name` (its name parts, possibly schema-qualified) does. Catalog
 * helpers (`pg_get_…`, `has_…_privilege`, `pg_…_is_visible`, `pg_size_pretty`, …) count as 'none'
 * unless listed as side effects.
 */
export function functionEffect(name: readonly string[]): FunctionEffect {
  const last = name[name.length - 1] ?? '';
  const schema = name.length > 1 ? name[name.length - 2] : undefined;
  if (schema !== undefined && schema !== 'pg_catalog') return 'unknown';
  if (SIDE_EFFECTS.has(last) || last.startsWith('pg_advisory') || last.startsWith('pg_try_advisory')) {
    return 'side-effect';
  }
  if (NO_EFFECT.has(last) || last.startsWith('pg_') || last.startsWith('has_')) return 'none';
  return schema === 'pg_catalog' ? 'none' : 'unknown';
}
