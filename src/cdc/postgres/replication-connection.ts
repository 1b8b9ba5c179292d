// One logical replication connection to a PostgreSQL shard: node-postgres in replication mode
// (`replication=database`) logs in (TLS, SCRAM and the rest as for any shard connection), then
// START_REPLICATION turns the connection into a CopyBoth stream whose CopyData payloads are handed
// over one by one. Pausing stops reading the socket, so the server waits instead of our memory
// growing; status updates still go out, so the server does not time us out meanwhile.
//
// Why node-postgres and not pg-logical-replication: that library decodes values with its own type
// parsers (not src/sql/values by type OID), acknowledges on receipt unless told otherwise, and would
// sit between us and the socket for backpressure; what is left after decoding pgoutput ourselves is
// the login, which node-postgres (already a dependency) does. The project's raw startup
// (backend/postgres-startup.ts) cannot send the `replication` startup parameter.
import pg from 'pg';
import { CdcError, CdcErrorCode } from '../cdc-error.js';
import { formatLsn } from '../lsn.js';
import { copyData, copyDone, standbyStatusUpdate } from '../pgoutput/replication-messages.js';

/** How to open a replication connection. */
export interface ReplicationConnectionOptions {
  readonly shard: string;
  readonly connectionString: string;
  readonly slot: string;
  readonly publication: string;
  /** Where to start; the server starts at the slot's confirmed position when that is later. */
  readonly startLsn: bigint;
  readonly connectTimeoutMs: number;
  readonly applicationName: string;
  /** Each CopyData payload, in order. Called synchronously as the bytes arrive. */
  readonly onData: (payload: Uint8Array) => void;
  /** The stream ended: with an error, or without one after `close()`. Called once. */
  readonly onEnd: (error: CdcError | undefined) => void;
}

/**
 * Session settings of the replication connection: the output functions that print row values run
 * in it, and src/sql/values reads their ISO, UTC, shortest-exact output.
 */
const outputSettings =
  '-c TimeZone=UTC -c DateStyle=ISO,MDY -c IntervalStyle=postgres -c extra_float_digits=1 -c bytea_output=hex';

/** A started replication stream. */
export class ReplicationConnection {
  readonly #client: pg.Client;
  readonly #options: ReplicationConnectionOptions;
  #started = false;
  #ended = false;
  #closing: Promise<void> | undefined;
  #finished: Promise<void> = Promise.resolve();

  private constructor(client: pg.Client, options: ReplicationConnectionOptions) {
    this.#client = client;
    this.#options = options;
  }

  /**
   * Connects and starts streaming the slot.
   *
   * @throws CdcError 08006 when the server cannot be reached, the server's SQLSTATE when it refuses
   *   (55006: the slot is read by another connection; 42704: no such slot).
   */
  static async open(options: ReplicationConnectionOptions): Promise<ReplicationConnection> {
    const client = new pg.Client({
      ...replicationConfig(options.connectionString),
      connectionTimeoutMillis: options.connectTimeoutMs,
      application_name: options.applicationName,
    });
    const connection = new ReplicationConnection(client, options);
    try {
      await connection.#start();
    } catch (error) {
      connection.#ended = true;
      await client.end().catch(() => {});
      throw connectionError(options, error);
    }
    return connection;
  }

  async #start(): Promise<void> {
    const client = this.#client;
    const options = this.#options;
    client.on('error', (error) => this.#end(connectionError(options, error)));
    await client.connect();
    const started = new Promise<void>((resolve) => client.connection.once('replicationStart', resolve));
    client.connection.on('copyData', (message: { chunk: Buffer }) => {
      if (!this.#ended) options.onData(message.chunk);
    });
    const command = `START_REPLICATION SLOT ${options.slot} LOGICAL ${formatLsn(options.startLsn)} (proto_version '1', publication_names '"${options.publication}"', messages 'true')`;
    this.#finished = client.query(command).then(() => undefined);
    const endedAtOnce = this.#finished.then(() => {
      throw new Error('the server ended replication at once');
    });
    await Promise.race([started, endedAtOnce]);
    endedAtOnce.catch(() => {});
    this.#started = true;
    this.#finished.then(
      () =>
        this.#end(
          this.#closing ? undefined : connectionError(options, new Error('the server ended the stream')),
        ),
      (error) => this.#end(connectionError(options, error)),
    );
    client.connection.stream.once('close', () =>
      this.#end(this.#closing ? undefined : connectionError(options, new Error('the connection closed'))),
    );
  }

  /** Stops reading the socket until `resume()`. */
  pause(): void {
    this.#client.connection.stream.pause();
  }

  resume(): void {
    this.#client.connection.stream.resume();
  }

  /** Sends a standby status update reporting `flushed` (written, flushed and applied). */
  sendStatus(flushed: bigint, replyRequested = false): void {
    if (this.#ended || this.#closing) return;
    this.#client.connection.stream.write(copyData(standbyStatusUpdate(flushed, Date.now(), replyRequested)));
  }

  /**
   * Reports `flushed` a last time, ends the stream with CopyDone and closes the connection. Safe to
   * call twice.
   */
  close(flushed: bigint): Promise<void> {
    if (!this.#closing) {
      this.sendStatus(flushed);
      this.#closing = (async () => {
        if (!this.#ended) {
          const stream = this.#client.connection.stream;
          stream.resume();
          stream.write(copyDone);
          // The server answers CopyDone by ending the command; do not wait for long.
          await Promise.race([
            this.#finished.catch(() => {}),
            new Promise((resolve) => setTimeout(resolve, 2000).unref()),
          ]);
        }
        await this.#client.end().catch(() => {});
        this.#end(undefined);
      })();
    }
    return this.#closing;
  }

  #end(error: CdcError | undefined): void {
    if (this.#ended || !this.#started) return;
    this.#ended = true;
    if (error) this.#client.end().catch(() => {});
    this.#options.onEnd(error);
  }
}

/** node-postgres settings for the shard's URL in replication mode with our output settings. */
function replicationConfig(connectionString: string): pg.ClientConfig {
  // Parameters in the URL override node-postgres' own settings, so `options` is merged into the URL.
  let url: URL;
  try {
    url = new URL(connectionString.replace(/^postgresql:/i, 'postgres:'));
  } catch {
    // A URL without a host (`postgres://app@/db?host=/socket`): node-postgres reads it as it is.
    return { connectionString, replication: 'database', options: outputSettings } as pg.ClientConfig;
  }
  const options = url.searchParams.get('options');
  url.searchParams.set('options', options ? `${options} ${outputSettings}` : outputSettings);
  url.searchParams.set('replication', 'database');
  return { connectionString: url.toString(), replication: 'database' } as pg.ClientConfig;
}

function connectionError(options: ReplicationConnectionOptions, error: unknown): CdcError {
  if (error instanceof CdcError) return error;
  const fields = error as { code?: unknown; message?: unknown };
  const serverCode =
    typeof fields.code === 'string' && /^[0-9A-Z]{5}$/.test(fields.code) ? fields.code : undefined;
  const reason = typeof fields.message === 'string' ? fields.message : String(error);
  return new CdcError(
    serverCode ?? CdcErrorCode.connectionFailure,
    serverCode === '55006'
      ? `replication slot ${options.slot} is being read by another connection (${reason}); one reader per consumer and shard at a time`
      : `the replication stream of slot ${options.slot} failed: ${reason}; read again from the last persisted position to resume`,
    { shard: options.shard, cause: error },
  );
}
