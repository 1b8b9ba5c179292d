// What a ClientConnection needs from the server that accepted it: settings, the session factory, and
// the shared table of process ids (registration, cancel requests, removal when it ends).
import type { SecureContext } from 'node:tls';
import type { Logger } from '../../util/logger.js';
import type { ClientConnection } from './client-connection.js';
import type { CredentialStore } from './credential-store.js';
import type { SessionFactory } from './session-handler.js';

/** What a connection needs from its server. */
export interface ConnectionHost {
  readonly logger: Logger;
  readonly sessionFactory: SessionFactory;
  readonly serverParameters: Readonly<Record<string, string>>;
  readonly maxMessageBytes: number;
  readonly maxQueuedBytes: number;
  readonly startupTimeoutMs: number;
  readonly secureContext: SecureContext | null;
  /** SCRAM credentials; null for trust authentication. */
  readonly credentials: CredentialStore | null;
  /** For trust authentication: true when a client at `remoteAddress` must be refused. */
  trustRefusedFor(remoteAddress: string): boolean;
  /** Gives the connection a unique process id and secret key. */
  register(connection: ClientConnection): { readonly processId: number; readonly secretKey: number };
  /** Passes a CancelRequest on to the connection it names, if any. */
  cancel(processId: number, secretKey: number): void;
  /** The connection has ended. */
  closed(connection: ClientConnection): void;
}
