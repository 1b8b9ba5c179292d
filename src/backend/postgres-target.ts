// Where a raw connection to a PostgreSQL shard goes and as whom, read from the shard's connection
// string (a `postgres://` URL), with libpq's environment variables and defaults for what it omits.
// `sslmode` keeps libpq's meaning: `require` encrypts without checking the certificate.
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';

/** How the connection is encrypted (libpq's sslmode values). */
export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

const sslModes: readonly SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

/** A PostgreSQL server, a login on it, and the startup parameters to send. */
export interface PostgresTarget {
  /** Host name or address, or a Unix socket directory (starting with `/`). */
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** Never logged nor put in a message. */
  readonly password: string | undefined;
  readonly database: string;
  readonly sslMode: SslMode;
  /** PEM of the certificate authorities to trust (`sslrootcert`), for verify-ca and verify-full. */
  readonly sslRootCert: string | undefined;
  /** The `options` startup parameter (e.g. `-c search_path=app`), when given. */
  readonly options: string | undefined;
}

/**
 * Reads `connectionString`. Throws an Error whose message never contains the password when the
 * string is not a usable `postgres://` URL.
 */
export function parsePostgresTarget(connectionString: string): PostgresTarget {
  if (!/^postgres(?:ql)?:\/\//i.test(connectionString)) {
    throw new Error('the connection string is not a postgres:// URL');
  }
  // A URL parser refuses a user name without a host (`postgres://app@/db?host=/socket`).
  const noHost = emptyHost.test(connectionString);
  let url: URL;
  try {
    url = new URL(noHost ? connectionString.replace(emptyHost, '$1no-host.invalid') : connectionString);
  } catch {
    throw new Error('the connection string is not a valid URL');
  }
  const query = url.searchParams;
  const sslMode = (query.get('sslmode') || process.env.PGSSLMODE || 'disable') as SslMode;
  if (!sslModes.includes(sslMode)) throw new Error(`sslmode=${sslMode} is not one of ${sslModes.join(', ')}`);
  const user = decode(url.username) || process.env.PGUSER || userInfo().username;
  const hostname = noHost ? '' : decode(url.hostname).replace(/^\[(.*)\]$/, '$1');
  const rootCertFile = query.get('sslrootcert');
  return {
    host: hostname || query.get('host') || process.env.PGHOST || 'localhost',
    port: Number(url.port || query.get('port') || process.env.PGPORT || 5432),
    user,
    password: decode(url.password) || process.env.PGPASSWORD || undefined,
    database: decode(url.pathname.slice(1)) || process.env.PGDATABASE || user,
    sslMode,
    sslRootCert: rootCertFile ? readFileSync(rootCertFile, 'utf8') : undefined,
    options: query.get('options') ?? undefined,
  };
}

const emptyHost = /^(postgres(?:ql)?:\/\/(?:[^/?#@]*@)?)(?=[/?#]|$)/i;

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
