// Names of the transactions the coordinator prepares on shards. A transaction's gid, the key of its
// decision in the log, is
//
//   sy_<routerId>_<incarnation>_<sequence>      e.g. sy_router-1_m3k9q2a7f1_1c
//
// and each shard prepares its part (its branch) as `<gid>.<shard>`, e.g. sy_router-1_m3k9q2a7f1_1c.s0:
// PostgreSQL requires a prepared transaction's name to be unique in the whole server, and several
// shards may be databases of one server.
//
// `sy_` marks the gid as Switchyard's, so recovery lists prepared transactions by that prefix and
// never touches anyone else's. The router id is stable per router (configured); the incarnation is
// new each time a Coordinator is made (a process start); the sequence counts within the incarnation.
// A router that finds a prepared transaction of its own router id but an older incarnation knows the
// coordinator that prepared it is gone, and need not wait for the transaction timeout (see
// Coordinator.recover). That relies on router ids being unique among running routers.
import { randomBytes } from 'node:crypto';
import { TxnError, TxnSqlState } from './txn-errors.js';

/** Every gid the coordinator makes starts with this; recovery lists prepared transactions by it. */
export const GID_PREFIX = 'sy_';

/** Letters, digits, `.`, `:` and `-`, 1 to 64 characters (no `_`: it separates the parts of a gid). */
const routerIdPattern = /^[A-Za-z0-9.:-]{1,64}$/;

/** The parts of a coordinator gid or branch gid. */
export interface GidParts {
  readonly routerId: string;
  readonly incarnation: string;
  readonly sequence: string;
  /** The transaction's gid (without the shard). */
  readonly gid: string;
  /** The shard, for a branch gid. */
  readonly shard?: string;
}

const gidPattern = /^sy_([A-Za-z0-9.:-]{1,64})_([a-z0-9]+)_([a-z0-9]+)(?:\.([A-Za-z0-9_.:-]+))?$/;

/** Checks a router id; a TxnError 22023 says what it may contain. */
export function checkRouterId(routerId: string): void {
  if (typeof routerId !== 'string' || !routerIdPattern.test(routerId)) {
    throw new TxnError(
      TxnSqlState.invalidParameterValue,
      `invalid router id ${JSON.stringify(String(routerId).slice(0, 80))}: use 1 to 64 letters, digits, ".", ":" or "-" (no "_"), e.g. the router's host name`,
    );
  }
}

/** A new incarnation token: the time in base 36 and 32 random bits, so restarts never repeat one. */
export function newIncarnation(): string {
  return `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
}

/** The parts of a gid made by `GidSequence` (or of one of its branches), or undefined for any other gid. */
export function parseGid(gid: string): GidParts | undefined {
  const match = gidPattern.exec(gid);
  if (!match) return undefined;
  const [, routerId, incarnation, sequence, shard] = match as unknown as [
    string,
    string,
    string,
    string,
    string?,
  ];
  const base = `${GID_PREFIX}${routerId}_${incarnation}_${sequence}`;
  return shard === undefined
    ? { routerId, incarnation, sequence, gid: base }
    : { routerId, incarnation, sequence, gid: base, shard };
}

/** The name under which `shard` prepares its part of transaction `gid`. */
export function branchGid(gid: string, shard: string): string {
  return `${gid}.${shard}`;
}

/** The transaction a prepared gid belongs to: its gid without the shard, or the gid itself. */
export function transactionOf(preparedGid: string): string {
  return parseGid(preparedGid)?.gid ?? preparedGid;
}

/** Makes the gids of one coordinator incarnation. */
export class GidSequence {
  #next = 0;

  constructor(
    readonly routerId: string,
    readonly incarnation: string = newIncarnation(),
  ) {
    checkRouterId(routerId);
    if (!/^[a-z0-9]{1,40}$/.test(incarnation)) {
      throw new TxnError(
        TxnSqlState.invalidParameterValue,
        `invalid incarnation ${JSON.stringify(incarnation.slice(0, 60))}: use 1 to 40 lower-case letters and digits`,
      );
    }
  }

  /** The prefix of every gid of this incarnation. */
  get prefix(): string {
    return `${GID_PREFIX}${this.routerId}_${this.incarnation}_`;
  }

  /** A gid no other transaction of any incarnation of this router has. */
  next(): string {
    this.#next += 1;
    return `${this.prefix}${this.#next.toString(36)}`;
  }
}
