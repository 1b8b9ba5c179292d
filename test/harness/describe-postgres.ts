// `describe` for suites that need a real PostgreSQL server: skipped, with the reason printed once by
// the global setup, on a machine without server binaries.
import { describe } from 'vitest';
import { pgUnavailableReason } from './postgres-server.js';

const reason = pgUnavailableReason();

/** True when real-PostgreSQL suites can run on this machine. */
export const postgresAvailable = reason === undefined;

/** Declares a suite that runs only where a real PostgreSQL server can be started. */
export function describeWithPostgres(name: string, body: () => void): void {
  describe.skipIf(!postgresAvailable)(`${name} [real PostgreSQL]`, body);
}
