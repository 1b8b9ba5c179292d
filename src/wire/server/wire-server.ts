// The PostgreSQL protocol front door: listens on host:port (or serves a given net.Server or socket),
// runs each connection's startup and authentication, and hands authenticated connections to the
// session factory. Keeps the table of process ids that CancelRequests refer to.
import { randomBytes, randomInt } from 'node:crypto';
import { type AddressInfo, createServer, type Server, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ConfigError } from '../../util/errors.js';
import { type Logger, loggerFor } from '../../util/logger.js';
import { ClientConnection } from './client-connection.js';
import type { ConnectionHost } from './connection-host.js';
import { CredentialStore } from './credential-store.js';
import { secureContextFor } from './upgrade-to-tls.js';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  defaultServerParameters,
  isLoopbackAddress,
  trustAllowedOnNetwork,
  type WireServerOptions,
} from './wire-server-options.js';

/** Where the server listens. */
export interface WireServerAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * A PostgreSQL wire-protocol server.
 *
 * @example
 *   const server = new WireServer({
 *     port: 0,
 *     auth: { method: 'scram-sha-256', users: { app: 'SCRAM-SHA-256$4096:…' } },
 *     sessionFactory: (connection) => new MySession(connection),
 *   });
 *   const { host, port } = await server.listen();
 *   // … later
 *   await server.close(); // every client gets FATAL 57P01
 */
export class WireServer {
  readonly #options: WireServerOptions;
  readonly #logger: Logger;
  readonly #server: Server;
  readonly #host: ConnectionHost;
  readonly #connections = new Set<ClientConnection>();
  readonly #byProcessId = new Map<number, ClientConnection>();
  #closing: Promise<void> | null = null;

  /** @throws ConfigError for trust authentication on a network address, or an unusable TLS certificate. */
  constructor(options: WireServerOptions) {
    this.#options = options;
    const host = options.host ?? '127.0.0.1';
    if (
      options.auth.method === 'trust' &&
      !options.server &&
      !trustAllowedOnNetwork(options) &&
      !isLoopbackAddress(host)
    ) {
      throw trustOnNetworkError(host);
    }
    const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    if (!Number.isInteger(maxMessageBytes) || maxMessageBytes < 5) {
      throw new ConfigError('maxMessageBytes must be an integer of at least 5');
    }
    this.#logger = options.logger ?? loggerFor('wire');
    const refuseTrust = options.auth.method === 'trust' && !trustAllowedOnNetwork(options);
    this.#host = {
      logger: this.#logger,
      sessionFactory: options.sessionFactory,
      serverParameters: { ...defaultServerParameters, ...options.serverParameters },
      maxMessageBytes,
      maxQueuedBytes: options.maxQueuedBytes ?? 1024 * 1024,
      startupTimeoutMs: options.startupTimeoutMs ?? 60_000,
      secureContext: options.tls ? secureContextFor(options.tls) : null,
      credentials: options.auth.method === 'scram-sha-256' ? new CredentialStore(options.auth.users) : null,
      // An address-less stream (a Unix socket, an in-process pipe) can only come from this machine.
      trustRefusedFor: (address) => refuseTrust && address !== '' && !isLoopbackAddress(address),
      register: (connection) => this.#register(connection),
      cancel: (processId, secretKey) => this.#cancel(processId, secretKey),
      closed: (connection) => this.#closed(connection),
    };
    this.#server = options.server ?? createServer();
    this.#server.on('connection', (socket: Socket) => this.handleSocket(socket));
  }

  /**
   * Starts listening (unless the given server already does) and resolves with the bound address.
   *
   * @throws ConfigError when trust authentication would be reachable from the network.
   */
  async listen(): Promise<WireServerAddress> {
    if (!this.#server.listening) {
      await new Promise<void>((resolve, reject) => {
        this.#server.once('error', reject);
        this.#server.listen(this.#options.port ?? 5432, this.#options.host ?? '127.0.0.1', () => {
          this.#server.off('error', reject);
          resolve();
        });
      });
    }
    const address = this.address;
    if (
      this.#options.auth.method === 'trust' &&
      !trustAllowedOnNetwork(this.#options) &&
      address &&
      !isLoopbackAddress(address.host)
    ) {
      await new Promise<void>((resolve) => this.#server.close(() => resolve()));
      throw trustOnNetworkError(address.host);
    }
    this.#logger.info({ host: address?.host, port: address?.port }, 'accepting PostgreSQL connections');
    return address ?? { host: '', port: 0 };
  }

  /** The bound address, once listening on TCP. */
  get address(): WireServerAddress | null {
    const address = this.#server.address();
    if (!address || typeof address === 'string') return null;
    return { host: (address as AddressInfo).address, port: (address as AddressInfo).port };
  }

  /** Open connections, in any phase. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** The open connections (for tests and metrics). */
  get connections(): readonly ClientConnection[] {
    return [...this.#connections];
  }

  /** Serves a connection accepted elsewhere (a socket or any duplex stream). */
  handleSocket(socket: Duplex): void {
    if (this.#closing) {
      socket.destroy();
      return;
    }
    if (socket instanceof Socket) {
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 60_000);
    }
    const connection = new ClientConnection(this.#host, socket);
    this.#connections.add(connection);
    connection.start();
  }

  /**
   * Stops listening (a server given in the options is closed too) and closes every connection with
   * FATAL 57P01; resolves when all sockets have closed.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    const stopped = new Promise<void>((resolve) => {
      if (this.#server.listening) this.#server.close(() => resolve());
      else resolve();
    });
    const connections = [...this.#connections];
    for (const connection of connections) {
      connection.close({ code: '57P01', message: 'terminating connection: the server is shutting down' });
    }
    await Promise.all(connections.map((connection) => connection.done));
    await stopped;
  }

  #register(connection: ClientConnection): { processId: number; secretKey: number } {
    let processId: number;
    do processId = randomInt(1, 2 ** 31 - 1);
    while (this.#byProcessId.has(processId));
    this.#byProcessId.set(processId, connection);
    return { processId, secretKey: randomBytes(4).readInt32BE(0) };
  }

  #cancel(processId: number, secretKey: number): void {
    const connection = this.#byProcessId.get(processId);
    if (connection && connection.secretKey === secretKey) {
      connection.cancel();
    } else {
      this.#logger.debug('cancel request for no known connection');
    }
  }

  #closed(connection: ClientConnection): void {
    this.#connections.delete(connection);
    if (this.#byProcessId.get(connection.processId) === connection)
      this.#byProcessId.delete(connection.processId);
  }
}

function trustOnNetworkError(host: string): ConfigError {
  return new ConfigError(
    `refusing trust authentication on ${host}, which other machines can reach: listen on 127.0.0.1, ` +
      'configure scram-sha-256 users, or set allowTrustOnNetwork: true if the network is private',
  );
}
