// How a PostgreSQL shard's address appears in messages and logs: host, port and database, never the
// user's password (a connection string may carry one).

/** `host:port/database` of a connection string, without credentials. */
export function describePostgresAddress(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    // A Unix socket directory may be given as ?host=/path instead of in the authority.
    const host = url.searchParams.get('host') ?? (decodeURIComponent(url.hostname) || 'localhost');
    const port = url.port || url.searchParams.get('port') || '5432';
    const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || '(default database)';
    return `${host}:${port}/${database}`;
  } catch {
    // Not a URL (a libpq key=value string, say): say nothing rather than risk printing a password.
    return '(address not shown)';
  }
}
