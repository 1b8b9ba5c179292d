// Opens a raw protocol connection to a PostgreSQL server: TCP (or a Unix socket), TLS when sslmode
// asks for it, the StartupMessage, authentication (trust, cleartext password, MD5, SCRAM-SHA-256),
// then the server's ParameterStatus and BackendKeyData up to the first ReadyForQuery. Everything
// fails with a ShardError naming the shard and its address, never the password: 08001 when the
// server cannot be reached in time, the server's own SQLSTATE when it refuses the login.
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { checkServerIdentity, connect as connectTls } from 'node:tls';
import { serialize } from 'pg-protocol';
import { type Frame, MessageFramer } from '../protocol/message-framer.js';
import { shardErrorFromResponse } from './error-response.js';
import { answerAuthentication } from './postgres-auth.js';
import type { PostgresTarget } from './postgres-target.js';
import { BackendType, parameterStatusOf } from './protocol-bytes.js';
import type { ScramClient } from './scram-client.js';
import { BackendSqlState, canceledError, ShardError } from './shard-error.js';

/** What a startup needs besides the target. */
export interface StartupOptions {
  readonly shard: string;
  /** `host:port/database`, for messages. */
  readonly address: string;
  readonly applicationName: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
  /** Sent as the `statement_timeout` startup parameter when set (milliseconds). */
  readonly statementTimeoutMs?: number | undefined;
}

/** A connection that is logged in and ready for queries. */
export interface StartedConnection {
  readonly socket: Socket;
  /** Holds any bytes received after the first ReadyForQuery. */
  readonly framer: MessageFramer;
  /** Messages received after the first ReadyForQuery (normally none). */
  readonly early: Frame[];
  readonly parameters: Record<string, string>;
  readonly processId: number;
  readonly secretKey: number;
}

/**
 * Connects and logs in to `target`, within `options.timeoutMs`.
 *
 * @throws ShardError 08001 (unreachable, timed out, TLS refused), 28000 (no password or an
 *   unsupported method), the server's code for a refused login (28P01, 3D000, 53300, …), 57014
 *   when `options.signal` aborts.
 */
export function startPostgresConnection(
  target: PostgresTarget,
  options: StartupOptions,
): Promise<StartedConnection> {
  return new Promise((resolve, reject) => {
    let socket = openSocket(target);
    let settled = false;
    const finish = (error: ShardError | undefined, result?: StartedConnection) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (error || !result) {
        socket.destroy();
        reject(error);
      } else resolve(result);
    };
    const unreachable = (reason: string, cause?: unknown) =>
      new ShardError(
        options.shard,
        BackendSqlState.sqlclientUnableToEstablishSqlconnection,
        `could not connect to PostgreSQL at ${options.address} (${reason}); check that the server is running, that it accepts connections at that address, and that the catalog gives the shard's right address`,
        { cause },
      );
    const timer = setTimeout(
      () =>
        finish(
          new ShardError(
            options.shard,
            BackendSqlState.sqlclientUnableToEstablishSqlconnection,
            `could not connect to PostgreSQL at ${options.address} within ${options.timeoutMs} ms: the server did not answer; check that it is running and reachable from here`,
          ),
        ),
      options.timeoutMs,
    );
    const onAbort = () => finish(canceledError(options.shard));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) return onAbort();

    const onSocketError = (error: Error) => finish(unreachable(error.message, error));
    const onSocketClose = () => finish(unreachable('the server closed the connection during startup'));
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
    socket.once('connect', async () => {
      try {
        socket.setNoDelay(true);
        socket.setKeepAlive(true);
        if (target.sslMode !== 'disable' && target.sslMode !== 'allow') {
          const upgraded = await upgradeToTls(socket, target, options);
          if (upgraded !== socket) {
            socket.removeListener('error', onSocketError);
            socket.removeListener('close', onSocketClose);
            socket = upgraded;
            socket.on('error', onSocketError);
            socket.on('close', onSocketClose);
          }
        }
        const started = await logIn(socket, target, options);
        socket.removeListener('error', onSocketError);
        socket.removeListener('close', onSocketClose);
        finish(undefined, started);
      } catch (error) {
        finish(error instanceof ShardError ? error : unreachable(String(error), error));
      }
    });
  });
}

function openSocket(target: PostgresTarget): Socket {
  return target.host.startsWith('/')
    ? connectTcp(`${target.host}/.s.PGSQL.${target.port}`)
    : connectTcp({ port: target.port, host: target.host, noDelay: true });
}

/** SSLRequest, then a TLS handshake over the same socket when the server answers 'S'. */
async function upgradeToTls(
  socket: Socket,
  target: PostgresTarget,
  options: StartupOptions,
): Promise<Socket> {
  socket.write(serialize.requestSsl());
  const answer = await new Promise<number>((resolve) =>
    socket.once('data', (chunk: Buffer) => resolve(chunk[0]!)),
  );
  if (answer !== 0x53) {
    if (target.sslMode === 'prefer') return socket;
    throw new ShardError(
      options.shard,
      BackendSqlState.sqlclientUnableToEstablishSqlconnection,
      `PostgreSQL at ${options.address} does not accept TLS connections, but the shard's address asks for sslmode=${target.sslMode}; turn ssl on in the server or change sslmode`,
    );
  }
  const verify = target.sslMode === 'verify-ca' || target.sslMode === 'verify-full';
  const tls = connectTls({
    socket,
    rejectUnauthorized: verify,
    ...(target.sslRootCert ? { ca: target.sslRootCert } : {}),
    // SNI takes a host name, never an address.
    ...(target.host.startsWith('/') || isIP(target.host) ? {} : { servername: target.host }),
    // verify-full checks the certificate names the host (an address, too); verify-ca does not.
    checkServerIdentity: (_name, certificate) =>
      target.sslMode === 'verify-full' ? checkServerIdentity(target.host, certificate) : undefined,
  });
  await new Promise<void>((resolve, reject) => {
    tls.once('secureConnect', resolve);
    tls.once('error', (error) =>
      reject(
        new ShardError(
          options.shard,
          BackendSqlState.sqlclientUnableToEstablishSqlconnection,
          `the TLS handshake with PostgreSQL at ${options.address} failed (${error.message}); check the server's certificate and the shard's sslmode and sslrootcert`,
          { cause: error },
        ),
      ),
    );
  });
  return tls;
}

/** StartupMessage and the authentication exchange, up to the first ReadyForQuery. */
async function logIn(
  socket: Socket,
  target: PostgresTarget,
  options: StartupOptions,
): Promise<StartedConnection> {
  const reader = new FrameReader(
    socket,
    () =>
      new ShardError(
        options.shard,
        BackendSqlState.sqlclientUnableToEstablishSqlconnection,
        `the server at ${options.address} does not speak the PostgreSQL protocol; check the shard's address and port`,
      ),
  );
  const startup: Record<string, string> = {
    user: target.user,
    database: target.database,
    application_name: options.applicationName,
  };
  if (target.options) startup.options = target.options;
  if (options.statementTimeoutMs) startup.statement_timeout = String(options.statementTimeoutMs);
  socket.write(serialize.startup(startup));
  const parameters: Record<string, string> = {};
  let processId = 0;
  let secretKey = 0;
  let scram: ScramClient | undefined;
  for (;;) {
    const frame = await reader.next();
    const body = frame.body;
    const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
    switch (frame.type) {
      case BackendType.authentication: {
        const reply = await answerAuthentication(view.getInt32(0), body.subarray(4), target, options, scram);
        scram = reply.scram;
        if (reply.message) socket.write(reply.message);
        break;
      }
      case BackendType.parameterStatus: {
        const [name, value] = parameterStatusOf(body);
        parameters[name] = value;
        break;
      }
      case BackendType.backendKeyData:
        processId = view.getInt32(0);
        secretKey = view.getInt32(4);
        break;
      case BackendType.errorResponse:
        throw shardErrorFromResponse(options.shard, body);
      case BackendType.readyForQuery:
        return { socket, framer: reader.detach(), early: reader.rest(), parameters, processId, secretKey };
      default:
        // NoticeResponse, NegotiateProtocolVersion: nothing to do.
        break;
    }
  }
}

/** Reads framed messages from a socket during startup. */
class FrameReader {
  readonly #framer = new MessageFramer();
  readonly #frames: Frame[] = [];
  #waiter: (() => void) | undefined;
  #error: ShardError | undefined;
  readonly #onData = (chunk: Buffer) => {
    try {
      for (const frame of this.#framer.push(chunk)) this.#frames.push(frame);
    } catch {
      // Not PostgreSQL at all (an HTTP server, say): the length words make no sense.
      this.#error = this.notPostgres();
    }
    const wake = this.#waiter;
    this.#waiter = undefined;
    wake?.();
  };

  constructor(
    readonly socket: Socket,
    private readonly notPostgres: () => ShardError,
  ) {
    socket.on('data', this.#onData);
  }

  /** The next message. A socket that closes meanwhile ends the startup through its 'close' listener. */
  async next(): Promise<Frame> {
    for (;;) {
      if (this.#error) throw this.#error;
      const frame = this.#frames.shift();
      if (frame) return frame;
      await new Promise<void>((resolve) => (this.#waiter = resolve));
    }
  }

  /** Stops reading; the framer keeps any partial message. */
  detach(): MessageFramer {
    this.socket.removeListener('data', this.#onData);
    this.socket.pause();
    return this.#framer;
  }

  /** Messages received and not yet read. */
  rest(): Frame[] {
    return this.#frames.splice(0);
  }
}
