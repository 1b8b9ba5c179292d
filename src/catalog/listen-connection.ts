// A dedicated PostgreSQL connection that LISTENs on one channel and keeps doing so: when it breaks
// (server restart, network) it is reopened with a growing delay, and every time LISTEN takes effect
// the owner is told, so it can reload whatever changed while nobody was listening.
import pg from 'pg';
import type { Logger } from '../util/logger.js';

/** What a `ListenConnection` connects to and whom it tells. */
export interface ListenConnectionOptions {
  readonly clientConfig: pg.ClientConfig;
  /** A plain identifier (validated by the caller). */
  readonly channel: string;
  /** First reconnect delay in ms, doubled after each failed attempt up to `maxReconnectDelayMs`. */
  readonly reconnectDelayMs: number;
  readonly maxReconnectDelayMs: number;
  readonly logger: Logger;
  /** Called with the payload of each notification on the channel. */
  readonly onNotification: (payload: string | undefined) => void;
  /** Called each time LISTEN takes effect: the first time and after every reconnect. */
  readonly onListening: () => void;
}

/** One LISTEN connection, reopened after failures until `close()`. */
export class ListenConnection {
  readonly #options: ListenConnectionOptions;
  /** The client being opened or in use; undefined while waiting to reconnect. */
  #client: pg.Client | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #nextDelay: number;
  #started = false;
  #closed = false;
  /** Set from a loss until LISTEN works again, so an outage logs one warning and one recovery. */
  #broken = false;

  constructor(options: ListenConnectionOptions) {
    this.#options = options;
    this.#nextDelay = options.reconnectDelayMs;
  }

  /** Opens the connection and LISTENs; calling it again does nothing. */
  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    void this.#open();
  }

  /** Stops listening and reconnecting. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }

  async #open(): Promise<void> {
    this.#reconnectTimer = undefined;
    if (this.#closed) return;
    const { channel, onNotification } = this.#options;
    const client = new pg.Client(this.#options.clientConfig);
    this.#client = client;
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client, undefined));
    client.on('notification', (message) => {
      if (message.channel === channel) onNotification(message.payload);
    });
    try {
      await client.connect();
      await client.query(`listen ${channel}`);
    } catch (error) {
      this.#lost(client, error);
      client.end().catch(() => {});
      return;
    }
    if (this.#client !== client) return; // lost or closed meanwhile
    this.#nextDelay = this.#options.reconnectDelayMs;
    if (this.#broken) {
      this.#broken = false;
      this.#options.logger.info('catalog LISTEN connection restored; reloading the catalog');
    }
    this.#options.onListening();
  }

  #lost(client: pg.Client, error: unknown): void {
    if (this.#client !== client || this.#closed) return; // an old client's second event, or closing
    this.#client = undefined;
    if (!this.#broken) {
      this.#broken = true;
      this.#options.logger.warn(
        { err: error },
        'catalog LISTEN connection lost; reconnecting (catalog changes are picked up on reconnect)',
      );
    }
    const delay = this.#nextDelay;
    this.#nextDelay = Math.min(delay * 2, this.#options.maxReconnectDelayMs);
    this.#reconnectTimer = setTimeout(() => void this.#open(), delay);
    this.#reconnectTimer.unref(); // the owner's close(), not this timer, decides when the process may exit
  }
}
