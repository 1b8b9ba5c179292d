// The TLS side of an SSLRequest: the secure context built once from the configured PEM certificate and
// key, and the upgrade of an accepted connection to a server-side TLS socket after answering 'S'.
import type { Duplex } from 'node:stream';
import { createSecureContext, type SecureContext, TLSSocket } from 'node:tls';
import { ConfigError } from '../../util/errors.js';
import type { WireTlsConfig } from './wire-server-options.js';

/**
 * The secure context for `config`.
 *
 * @throws ConfigError when the certificate or key cannot be loaded.
 */
export function secureContextFor(config: WireTlsConfig): SecureContext {
  try {
    return createSecureContext({ cert: toPem(config.cert), key: toPem(config.key), minVersion: 'TLSv1.2' });
  } catch (error) {
    throw new ConfigError('the TLS certificate or key could not be loaded; expected PEM text', [], {
      cause: error,
    });
  }
}

/** Wraps `stream` in a server-side TLS socket; the handshake starts with the client's next bytes. */
export function upgradeToTls(stream: Duplex, secureContext: SecureContext): TLSSocket {
  return new TLSSocket(stream, { isServer: true, secureContext });
}

function toPem(value: string | Uint8Array): string | Buffer {
  return typeof value === 'string' ? value : Buffer.from(value);
}
