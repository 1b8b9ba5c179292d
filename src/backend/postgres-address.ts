// How a PostgreSQL shard's address appears in messages and logs: host, port and database, never the
// user's password (a connection string may carry one).

/**
 * `host:port/database` of a `postgres://` connection string, without credentials. Everything up to
 * the last `@` is dropped before anything is read, so no part of a password can show, however
 * oddly it is written.
 */
export function describePostgresAddress(connectionString: string): string {
  const scheme = /^postgres(?:ql)?:\/\//i.exec(connectionString);
  // Not a URL (a libpq key=value string, say): say nothing rather than risk printing a password.
  if (!scheme) return '(address not shown)';
  let rest = connectionString.slice(scheme[0].length);
  rest = rest.slice(rest.lastIndexOf('@') + 1);
  const queryAt = rest.indexOf('?');
  const query = new URLSearchParams(queryAt >= 0 ? rest.slice(queryAt + 1) : '');
  const beforeQuery = queryAt >= 0 ? rest.slice(0, queryAt) : rest;
  const slash = beforeQuery.indexOf('/');
  const authority = slash >= 0 ? beforeQuery.slice(0, slash) : beforeQuery;
  const database = safeDecode(slash >= 0 ? beforeQuery.slice(slash + 1) : '') || '(default database)';
  // A Unix socket directory may be given as ?host=/path instead of in the authority.
  const socketHost = query.get('host');
  const hostPort = socketHost ? `${socketHost}:${query.get('port') ?? '5432'}` : withDefaultPort(authority);
  return `${hostPort}/${database}`;
}

function withDefaultPort(authority: string): string {
  if (!authority) return 'localhost:5432';
  // host, host:port, [v6], [v6]:port, or several hosts separated by commas.
  return authority
    .split(',')
    .map((host) => (/:\d+$/.test(host) && !/^\[[^\]]*$/.test(host) ? host : `${safeDecode(host)}:5432`))
    .join(',');
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
