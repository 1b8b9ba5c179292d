// What an embedded shard reports about itself to a raw connection's client: the parameters a
// PostgreSQL server sends in ParameterStatus at startup. PGlite runs no startup for them, so they
// are read with SHOW.
import type { PgliteConnection } from './pglite-connection.js';

/** The parameters PostgreSQL 18 reports to every client (GUC_REPORT), as raw connections report them. */
const reportedParameters = [
  'server_version',
  'server_encoding',
  'client_encoding',
  'application_name',
  'default_transaction_read_only',
  'in_hot_standby',
  'is_superuser',
  'session_authorization',
  'DateStyle',
  'IntervalStyle',
  'TimeZone',
  'integer_datetimes',
  'standard_conforming_strings',
  'scram_iterations',
  'search_path',
];

/** The reported parameters of the database behind `connection` (the caller holds the shard's lock). */
export async function readServerParameters(connection: PgliteConnection): Promise<Record<string, string>> {
  const results = await connection.exec(reportedParameters.map((name) => `SHOW ${name}`).join('; '));
  const parameters: Record<string, string> = {};
  reportedParameters.forEach((name, i) => {
    const value = results[i]?.rows[0]?.[0];
    if (typeof value === 'string') parameters[name] = value;
  });
  return parameters;
}
