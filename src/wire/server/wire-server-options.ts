// What a WireServer is configured with, its defaults, and the checks that refuse a dangerous
// configuration (trust authentication reachable from the network) before anything listens.
import type { Server } from 'node:net';
import type { Logger } from '../../util/logger.js';
import type { SessionFactory } from './session-handler.js';

/** How clients prove who they are. */
export type WireAuthConfig =
  /**
   * Anyone may connect as any user. Only from loopback addresses unless `allowOnNetwork` (or the
   * server's `allowTrustOnNetwork`) is true.
   */
  | { readonly method: 'trust'; readonly allowOnNetwork?: boolean }
  /** SCRAM-SHA-256; each user maps to a plain password or a stored verifier (`SCRAM-SHA-256$…`). */
  | { readonly method: 'scram-sha-256'; readonly users: Readonly<Record<string, string>> };

/** TLS offered to clients that send an SSLRequest. */
export interface WireTlsConfig {
  /** Certificate chain, PEM. */
  readonly cert: string | Uint8Array;
  /** Private key, PEM. */
  readonly key: string | Uint8Array;
}

/** Options of a WireServer. */
export interface WireServerOptions {
  /** Makes the session of each authenticated connection. */
  readonly sessionFactory: SessionFactory;
  readonly auth: WireAuthConfig;
  /** Address to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Port to listen on; 0 picks a free one (see `WireServer.address`). Default 5432. */
  readonly port?: number;
  /** Serve connections of this server instead of creating one (host and port then do not apply). */
  readonly server?: Server;
  /** Permit trust authentication on a non-loopback address. */
  readonly allowTrustOnNetwork?: boolean;
  readonly tls?: WireTlsConfig;
  /** ParameterStatus values sent after authentication, over the defaults (server_version, TimeZone, …). */
  readonly serverParameters?: Readonly<Record<string, string>>;
  /** Largest message a client may send, length word included (default 64 MiB). */
  readonly maxMessageBytes?: number;
  /** Bytes of received messages queued for the session before the socket is paused (default 1 MiB). */
  readonly maxQueuedBytes?: number;
  /** Longest time from connect to ReadyForQuery, ms (default 60 s, PostgreSQL's authentication_timeout). */
  readonly startupTimeoutMs?: number;
  readonly logger?: Logger;
}

/** ParameterStatus values a client expects after startup; PostgreSQL 16 with a UTF8 database. */
export const defaultServerParameters: Readonly<Record<string, string>> = Object.freeze({
  server_version: '16.4',
  server_encoding: 'UTF8',
  client_encoding: 'UTF8',
  DateStyle: 'ISO, MDY',
  TimeZone: 'UTC',
  integer_datetimes: 'on',
  standard_conforming_strings: 'on',
  IntervalStyle: 'postgres',
  is_superuser: 'off',
});

/** 64 MiB: far above any sane statement, far below what would exhaust memory per connection. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackAddress(address: string): boolean {
  const a = address.toLowerCase();
  if (a === 'localhost' || a === '::1' || a === '0:0:0:0:0:0:0:1') return true;
  const v4 = a.startsWith('::ffff:') ? a.slice(7) : a;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** Whether trust authentication may serve clients that are not on this machine. */
export function trustAllowedOnNetwork(options: WireServerOptions): boolean {
  return (
    options.allowTrustOnNetwork === true ||
    (options.auth.method === 'trust' && options.auth.allowOnNetwork === true)
  );
}
