// The errors the catalog raises on purpose: a catalog that does not describe a valid cluster, a write
// based on a stale version, and a store that cannot be reached or used.
import { SwitchyardError } from '../util/errors.js';

/** Stable codes of catalog errors. */
export const CatalogErrorCode = {
  /** The catalog (or its JSON document) breaks a rule; `problems` lists each one. */
  invalid: 'CATALOG_INVALID',
  /** A save was based on a version that is no longer the stored one. */
  conflict: 'CATALOG_CONFLICT',
  /** The store (file system, catalog database) could not be read or written. */
  unavailable: 'CATALOG_STORE_UNAVAILABLE',
  /** The store was used after `close()`. */
  closed: 'CATALOG_STORE_CLOSED',
  /** No catalog has been saved yet where one is required. */
  notFound: 'CATALOG_NOT_FOUND',
} as const;

/** At most this many problems are spelled out in a message; the `problems` list keeps all of them. */
const MAX_PROBLEMS_IN_MESSAGE = 20;

/**
 * A catalog that does not describe a valid cluster. `problems` holds one line per broken rule, each
 * starting with the path of the offending field, e.g. `shards[1].name: "s0" is used by shards[0] too; …`.
 */
export class CatalogError extends SwitchyardError {
  override name = 'CatalogError';
  /** One line per problem: `<path>: <what is wrong>; <what is expected>`. */
  readonly problems: readonly string[];

  constructor(message: string, problems: readonly string[] = [], options?: { cause?: unknown }) {
    super(CatalogErrorCode.invalid, formatProblems(message, problems), options);
    this.problems = problems;
  }
}

function formatProblems(message: string, problems: readonly string[]): string {
  if (problems.length === 0) return message;
  const shown = problems.slice(0, MAX_PROBLEMS_IN_MESSAGE);
  const more = problems.length - shown.length;
  const tail = more > 0 ? `\n  - … and ${more} more` : '';
  return `${message}:\n  - ${shown.join('\n  - ')}${tail}`;
}

/**
 * A save refused because the catalog changed since the caller loaded it (optimistic concurrency).
 * The caller should reload the catalog, apply its change again and retry (see `updateCatalog`).
 */
export class CatalogConflictError extends SwitchyardError {
  override name = 'CatalogConflictError';
  /** The version the refused save was based on (undefined: it expected no catalog yet). */
  readonly baseVersion: number | undefined;
  /** The version the store holds (undefined: it holds none). */
  readonly storedVersion: number | undefined;

  constructor(baseVersion: number | undefined, storedVersion: number | undefined) {
    super(
      CatalogErrorCode.conflict,
      `catalog changed concurrently: this change was based on ${describeVersion(baseVersion)} but the store ` +
        `holds ${describeVersion(storedVersion)}; reload the catalog and retry the change`,
    );
    this.baseVersion = baseVersion;
    this.storedVersion = storedVersion;
  }
}

function describeVersion(version: number | undefined): string {
  return version === undefined ? 'no catalog' : `version ${version}`;
}

/** A catalog store that cannot be used: unreachable, closed, or holding no catalog where one is required. */
export class CatalogStoreError extends SwitchyardError {
  override name = 'CatalogStoreError';

  constructor(
    code: (typeof CatalogErrorCode)['unavailable' | 'closed' | 'notFound'],
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}
