// COPY … FROM STDIN into a sharded table. The client's data is cut into rows as it arrives and each
// row's shard key placed; at CopyDone each shard gets its rows as one COPY (with the header or binary
// file header and trailer). Rows of several shards are copied in one transaction committed with
// two-phase commit (the client's own transaction, if it has one), so the COPY lands everywhere or
// nowhere. The client gets the CopyInResponse of the real table (from a COPY started and aborted on
// one shard), so formats and column counts are exactly the server's. Rows are held until CopyDone,
// up to a limit.
import type { Frame } from '../../protocol/message-framer.js';
import { CopyInRouter, type RoutedCopyPiece } from '../../router/copy-in-router.js';
import type { StatementPlan } from '../../router/route-plan.js';
import { routeResolverFor } from '../../router/route-resolver.js';
import { quoteQualified } from '../../sql/quote-ident.js';
import { SqlState } from '../../util/errors.js';
import {
  decodeCommandComplete,
  decodeRowDescription,
  encodeCommandComplete,
  encodeCopyInResponse,
  type FrontendMessage,
} from '../codec/index.js';
import { copyFailMessage, queryMessage } from './frontend-messages.js';
import { errorMessageOf, runInternal } from './internal-query.js';
import type { SessionContext } from './session-context.js';
import { SessionError } from './session-error.js';
import type { ShardLinks } from './shard-links.js';
import { B, type ShardPipe } from './shard-pipe.js';
import { inTransaction } from './transaction-control.js';

/** Most COPY data held for one statement before it is refused. */
export const MAX_BUFFERED_COPY_BYTES = 256 * 1024 * 1024;

/** A COPY FROM STDIN into a sharded table in progress. */
export class ShardedCopyIn {
  readonly #pieces: RoutedCopyPiece[] = [];
  readonly #shards = new Set<string>();
  #bytes = 0;
  #failure: SessionError | undefined;

  private constructor(
    private readonly links: ShardLinks,
    private readonly plan: StatementPlan,
    private readonly router: CopyInRouter,
    private readonly send: (bytes: Uint8Array) => void,
  ) {}

  /** Answers the client's COPY with the table's own CopyInResponse and gets ready for rows. */
  static async start(
    ctx: SessionContext,
    links: ShardLinks,
    plan: StatementPlan,
    send: (bytes: Uint8Array) => void,
  ): Promise<ShardedCopyIn> {
    const copy = plan.copy;
    if (!copy?.table) throw new SessionError('XX000', 'COPY into a sharded table without its routing plan');
    const pipe = await links.pipeFor(links.anyShard(), false);
    let columns: string[] | undefined;
    if (copy.keyPositions === undefined) columns = await tableColumns(pipe, copy.table);
    const router = new CopyInRouter(copy, routeResolverFor(ctx.catalog()), columns);
    if (links.transaction !== undefined) {
      // Inside a transaction the response is built from the statement and the table's columns: a
      // probe would need a savepoint, after which COPY … FREEZE of a table truncated earlier in
      // the transaction is refused (pgbench -i does exactly that).
      const count = copy.columns?.length ?? columns?.length ?? (await tableColumns(pipe, copy.table)).length;
      const format = copy.format.format === 'binary' ? 1 : 0;
      send(encodeCopyInResponse(format, Array(count).fill(format)));
      return new ShardedCopyIn(links, plan, router, send);
    }
    // Start the COPY on one shard to get the table's CopyInResponse, then abort it.
    const frames: Frame[] = [];
    pipe.send(queryMessage(plan.sql), 'query', 'internal', { collect: frames });
    pipe.flush();
    const started = await pipe.drain(() => {});
    if (started.copyIn) {
      pipe.sendUnanswered(copyFailMessage('Switchyard read the COPY format'));
      pipe.flush();
      await pipe.drain(() => {});
    }
    if (!started.copyIn) throw shardError(started.error ?? frames[0]!);
    send(started.copyIn.raw.slice());
    return new ShardedCopyIn(links, plan, router, send);
  }

  /** Takes the next client message; resolves true when the COPY is over (its answer sent). */
  async accept(message: FrontendMessage): Promise<boolean> {
    switch (message.type) {
      case 'CopyData':
        if (!this.#failure) this.#take(() => this.router.push(message.data.slice()));
        return false;
      case 'CopyDone':
        if (!this.#failure) this.#take(() => this.router.finish());
        if (this.#failure) throw this.#failure;
        await this.#deliver();
        return true;
      case 'CopyFail':
        throw new SessionError(SqlState.queryCanceled, `COPY from stdin failed: ${message.message}`);
      case 'Sync':
      case 'Flush':
        return false;
      default:
        throw new SessionError('08P01', `unexpected ${message.type} message during COPY FROM STDIN`);
    }
  }

  #take(pieces: () => RoutedCopyPiece[]): void {
    try {
      for (const piece of pieces()) {
        this.#pieces.push(piece);
        this.#bytes += piece.bytes.length;
        if (piece.type === 'row') this.#shards.add(piece.shard);
      }
      if (this.#bytes > MAX_BUFFERED_COPY_BYTES) {
        throw new SessionError(
          '54000',
          `COPY into a sharded table holds its rows until CopyDone, and this one is over ${MAX_BUFFERED_COPY_BYTES >> 20} MiB`,
          { hint: 'split the data into several COPY statements' },
        );
      }
      if (this.#shards.size > 1 && !this.links.coordinator) {
        throw new SessionError(
          SqlState.featureNotSupported,
          `the COPY rows belong to shards ${[...this.#shards].join(', ')}: a COPY that spans shards needs two-phase commit, which this cluster has not enabled`,
          { hint: 'COPY the rows of one shard key (or of keys on one shard) at a time' },
        );
      }
    } catch (error) {
      // Keep reading the client's data until CopyDone, then report (the protocol has no way to stop it).
      this.#failure =
        error instanceof SessionError
          ? error
          : new SessionError((error as { code?: string }).code ?? 'XX000', (error as Error).message);
      this.#pieces.length = 0;
    }
  }

  async #deliver(): Promise<void> {
    const shards = [...this.#shards];
    if (shards.length === 0) {
      this.send(encodeCommandComplete('COPY 0'));
      return;
    }
    let total = 0;
    const copyAll = async () => {
      for (const shard of shards) total += await this.#copyTo(shard);
    };
    // Rows of one shard outside a transaction are one autocommitted COPY, as without Switchyard.
    if (shards.length > 1 || this.links.transaction) await inTransaction(this.links, copyAll);
    else await copyAll();
    this.send(encodeCommandComplete(`COPY ${total}`));
  }

  /** One shard's COPY: the prologue, its rows, the epilogue. Resolves with the rows it copied. */
  async #copyTo(shard: string): Promise<number> {
    const pipe = await this.links.pipeFor(shard, true);
    const frames: Frame[] = [];
    // The data follows the statement without waiting for CopyInResponse: a COPY that fails to start
    // makes the server ignore it (the protocol's rule), and an embedded shard runs it all in one call.
    pipe.send(queryMessage(this.plan.sql), 'query', 'internal', { collect: frames });
    const mine = this.#pieces.filter((p) => p.type !== 'row' || p.shard === shard);
    for (const chunk of copyDataMessages(mine)) pipe.sendUnanswered(chunk);
    pipe.sendUnanswered(COPY_DONE);
    pipe.flush();
    const started = await pipe.drain(() => {});
    if (!started.copyIn) throw shardError(started.error ?? frames[0]!, shard);
    const finished = await pipe.drain(() => {});
    if (finished.error) throw shardError(finished.error, shard);
    const complete = frames.find((f) => f.type === B.commandComplete);
    const tag = complete ? decodeCommandComplete(complete) : 'COPY 0';
    return Number(tag.split(' ').at(-1)) || 0;
  }
}

/** The table's columns in order, as the shard describes `SELECT *`. */
async function tableColumns(pipe: ShardPipe, table: string): Promise<string[]> {
  const described = await runInternal(pipe, `SELECT * FROM ${quoteQualified(table)} LIMIT 0`);
  if (described.error) throw shardError(described.error);
  const header = described.frames.find((f) => f.type === B.rowDescription);
  return header ? decodeRowDescription(header).map((f) => f.name) : [];
}

const COPY_DONE = Uint8Array.of(0x63, 0, 0, 0, 4);

/** The pieces as CopyData messages of up to about 1 MiB each (rows may span messages). */
function* copyDataMessages(pieces: readonly RoutedCopyPiece[]): Generator<Uint8Array> {
  const limit = 1 << 20;
  let batch: Uint8Array[] = [];
  let size = 0;
  const flush = () => {
    const out = new Uint8Array(5 + size);
    out[0] = 0x64; // 'd'
    new DataView(out.buffer).setInt32(1, 4 + size);
    let offset = 5;
    for (const b of batch) {
      out.set(b, offset);
      offset += b.length;
    }
    batch = [];
    size = 0;
    return out;
  };
  for (const piece of pieces) {
    batch.push(piece.bytes);
    size += piece.bytes.length;
    if (size >= limit) yield flush();
  }
  if (size > 0) yield flush();
}

function shardError(frame: Frame, shard?: string): SessionError {
  const e = errorMessageOf(frame);
  const message = shard === undefined ? e.message : `shard ${shard}: ${e.message}`;
  return new SessionError(e.code, message, e.hint ? { hint: e.hint } : {});
}
