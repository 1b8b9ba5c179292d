// A throwaway self-signed certificate for TLS tests, made with the openssl command line tool. Returns
// the reason instead when openssl is missing, so the TLS suite can say why it is skipped.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let cached: { cert: string; key: string } | string | undefined;

/** `{ cert, key }` in PEM for CN=localhost, valid one day; or why one could not be made. */
export function certificateOrSkipReason(): { cert: string; key: string } | string {
  cached ??= make();
  return cached;
}

function make(): { cert: string; key: string } | string {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-tls-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=localhost',
        '-days',
        '1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore', timeout: 30_000 },
    );
    return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
  } catch (error) {
    return `openssl could not make a self-signed certificate (${(error as Error).message.split('\n')[0]})`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
