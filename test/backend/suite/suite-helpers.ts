// Helpers shared by the parts of the ShardBackend suite.
import { expect } from 'vitest';
import type { ShardBackend, ShardSession } from '../../../src/backend/shard-backend.js';
import { ShardError } from '../../../src/backend/shard-error.js';

/** How the suite gets backends. */
export interface ShardBackendFixture {
  /** Opens shard `name`, empty the first time; opening the same name again finds the same data. */
  open(name: string): Promise<ShardBackend>;
}

/** What each part of the suite is given: the shared open shard, and the fixture for others. */
export interface SuiteContext {
  /** The shard the suite opened for all its tests (available inside tests). */
  readonly backend: () => ShardBackend;
  readonly shard: string;
  readonly fixture: () => ShardBackendFixture;
}

let unique = 0;
/** A name no other test of this process uses. */
export function uniqueName(prefix: string): string {
  unique += 1;
  return `${prefix}_${process.pid}_${unique}`;
}

/** Runs `fn` and returns the ShardError it rejects with (failing the test if it does not). */
export async function shardErrorOf(fn: () => Promise<unknown>): Promise<ShardError> {
  try {
    await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ShardError);
    return error as ShardError;
  }
  throw new Error('expected a ShardError, but the call succeeded');
}

/** Runs `fn` in a session that is released afterwards, whatever happens. */
export async function withSession<T>(
  backend: ShardBackend,
  fn: (session: ShardSession) => Promise<T>,
): Promise<T> {
  const session = await backend.session();
  try {
    return await fn(session);
  } finally {
    await session.release();
  }
}
