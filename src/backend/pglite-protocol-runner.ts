// Runs frontend messages on an embedded shard's one server session (PGlite) and frames its answers,
// for PgliteShardConnection, which holds the shard's lock meanwhile. It knows whether the server is
// in the middle of something (an extended-protocol batch without its Sync, a transaction block, a
// COPY waiting for its data), which decides when the lock may go back, and it keeps COPY FROM STDIN
// from running out of input (see pglite-copy-in.ts). A Terminate ends the connection, never the
// server session. PGlite keeps the extended protocol's state from one call to the next (a Parse and
// Bind with Flush, then Execute and Sync later, work as on a server), so messages run as they come.
import type { PGlite } from '@electric-sql/pglite';
import { serialize } from 'pg-protocol';
import { type Frame, MessageFramer } from '../protocol/message-framer.js';
import {
  abortedCopyIn,
  copySentinel,
  extendedCopyInRefusal,
  mayStartCopyIn,
  probeSavepoint,
} from './pglite-copy-in.js';
import {
  BackendType,
  concatBytes,
  FrontendType,
  messageEnd,
  readyForQueryRequests,
  readyStatus,
} from './protocol-bytes.js';
import type { TransactionStatus } from './shard-connection.js';
import { ShardError } from './shard-error.js';

const syncMessage = serialize.sync();
const rollbackMessage = serialize.query('ROLLBACK');
const savepointMessage = serialize.query(`SAVEPOINT ${probeSavepoint}`);
const releaseSavepointMessage = serialize.query(`RELEASE SAVEPOINT ${probeSavepoint}`);
const undoProbeMessage = serialize.query(
  `ROLLBACK TO SAVEPOINT ${probeSavepoint}; RELEASE SAVEPOINT ${probeSavepoint}`,
);

/** A COPY FROM STDIN whose CopyInResponse the client has, waiting for the data. */
interface PendingCopyIn {
  readonly query: Uint8Array;
  readonly parts: Uint8Array[];
}

/** How a run ended: normally, or at a Terminate (whatever followed it was not run). */
export type RunOutcome = 'ran' | 'terminate';

/** Runs one connection's messages on PGlite; see the file comment. */
export class PgliteProtocolRunner {
  readonly #framer = new MessageFramer();
  /** The last answer was not ReadyForQuery 'I': a batch, a transaction or an error awaits more. */
  #open = false;
  /** The server's status after the last call (the client may not have read it yet). */
  #serverStatus: TransactionStatus = 'I';
  #prepared = false;
  #copy: PendingCopyIn | undefined;
  readonly #emit: (frames: Frame[]) => void;

  /** @param emit takes the answers to relay, in order */
  constructor(
    readonly shard: string,
    private readonly db: PGlite,
    emit: (frames: Frame[]) => void,
  ) {
    this.#emit = emit;
  }

  /** True while the server session must stay with this connection (see the file comment). */
  get open(): boolean {
    return this.#open || this.#copy !== undefined;
  }

  /** True once after a run that prepared a transaction (PREPARE TRANSACTION). */
  takePrepared(): boolean {
    const prepared = this.#prepared;
    this.#prepared = false;
    return prepared;
  }

  /** Runs `input` (whole frontend messages); the answers go to `emit`. */
  run(input: Uint8Array): Promise<RunOutcome> {
    return this.#process(input);
  }

  /** Ends what the connection left open: a COPY waiting for data, a batch, a transaction. */
  async reset(): Promise<void> {
    this.#copy = undefined;
    if (!this.#open) return;
    await this.#exec(syncMessage);
    if (this.db.isInTransaction()) await this.#exec(rollbackMessage);
    this.#open = false;
  }

  /** Runs `input`, setting COPY FROM STDIN apart (see pglite-copy-in.ts). */
  async #process(input: Uint8Array): Promise<RunOutcome> {
    let start = 0;
    let offset = 0;
    while (offset < input.length) {
      const type = input[offset]!;
      const end = messageEnd(input, offset);
      // PGlite reading a cut message would see the end of its input and terminate.
      if (end < 0) throw partialMessageError(this.shard);
      if (this.#copy) {
        if (type === FrontendType.copyDone || type === FrontendType.copyFail) {
          this.#copy.parts.push(input.subarray(start, end));
          start = end;
          await this.#finishCopy();
        }
      } else if (type === FrontendType.terminate) {
        if (offset > start) await this.#run(input.subarray(start, offset));
        return 'terminate';
      } else if (type === FrontendType.query && mayStartCopyIn(input.subarray(offset + 5, end))) {
        if (offset > start) await this.#run(input.subarray(start, offset));
        const dataEnd = copyDataEnd(input, end);
        if (dataEnd > 0) {
          // The COPY's data came with it (Switchyard's own sharded COPY sends it so): one call, no
          // probe, so nothing runs under a savepoint (COPY … FREEZE needs that).
          await this.#run(input.subarray(offset, dataEnd));
          start = dataEnd;
          offset = dataEnd;
          continue;
        }
        start = end;
        await this.#probe(input.subarray(offset, end));
      }
      offset = end;
    }
    if (start >= input.length) return 'ran';
    if (this.#copy) this.#copy.parts.push(input.subarray(start));
    else await this.#run(input.subarray(start));
    return 'ran';
  }

  /** Runs messages that start no COPY FROM STDIN of a simple Query. */
  async #run(messages: Uint8Array): Promise<void> {
    const frames = await this.#exec(concatBytes([messages, copySentinel]));
    const copyAt = abortedCopyIn(frames);
    if (copyAt >= 0) {
      // An Execute started a COPY FROM STDIN: refuse it instead of relaying CopyInResponse.
      const errorAt = frames.findIndex((f, i) => i > copyAt && f.type === BackendType.errorResponse);
      frames.splice(copyAt, errorAt - copyAt + 1, extendedCopyInRefusal(this.shard));
      // The COPY swallowed the Sync that followed it; end the batch for the client.
      const ready = frames.filter((f) => f.type === BackendType.readyForQuery).length;
      if (ready < readyForQueryRequests(messages)) frames.push(...(await this.#exec(syncMessage)));
    }
    this.#emit(frames);
  }

  /** Runs a Query that may start a COPY FROM STDIN, as a probe that leaves no trace if it does. */
  async #probe(query: Uint8Array): Promise<void> {
    if (this.#serverStatus === 'E') return this.#run(query);
    const inBlock = this.db.isInTransaction();
    const all = await this.#exec(
      concatBytes(inBlock ? [savepointMessage, query, copySentinel] : [query, copySentinel]),
    );
    // Inside a transaction block the answers start with SAVEPOINT's CommandComplete and ReadyForQuery.
    const frames = inBlock ? all.slice(all.findIndex((f) => f.type === BackendType.readyForQuery) + 1) : all;
    const copyAt = abortedCopyIn(frames);
    if (copyAt < 0) {
      if (inBlock && this.#serverStatus === 'T') await this.#exec(releaseSavepointMessage);
      return this.#emit(frames);
    }
    this.#emit(frames.slice(0, copyAt + 1));
    if (inBlock) await this.#exec(undoProbeMessage);
    // "BEGIN; COPY …" opened a transaction block in the probe.
    else if (this.#serverStatus !== 'I') await this.#exec(rollbackMessage);
    this.#copy = { query: query.slice(), parts: [] };
  }

  /** Runs a COPY FROM STDIN again, now with its data, relaying what follows its CopyInResponse. */
  async #finishCopy(): Promise<void> {
    const copy = this.#copy!;
    this.#copy = undefined;
    const frames = await this.#exec(concatBytes([copy.query, ...copy.parts, copySentinel]));
    const copyAt = frames.findIndex((f) => f.type === BackendType.copyInResponse);
    this.#emit(copyAt >= 0 ? frames.slice(copyAt + 1) : frames);
  }

  /** One call to PGlite; its answers, framed. */
  async #exec(messages: Uint8Array): Promise<Frame[]> {
    const frames: Frame[] = [];
    await this.db.execProtocolRawStream(messages, {
      syncToFs: false,
      // The chunk is a view into PGlite's memory, reused by the next write: copy it.
      onRawData: (chunk) => {
        for (const frame of this.#framer.push(chunk.slice())) frames.push(frame);
      },
    });
    for (const frame of frames) {
      if (frame.type === BackendType.readyForQuery) this.#serverStatus = readyStatus(frame.body);
      else if (frame.type === BackendType.commandComplete && isPrepareTransactionTag(frame.body))
        this.#prepared = true;
    }
    const last = frames.at(-1);
    if (last) this.#open = !(last.type === BackendType.readyForQuery && this.#serverStatus === 'I');
    return frames;
  }
}

/** True for the CommandComplete body "PREPARE TRANSACTION". */
function isPrepareTransactionTag(body: Uint8Array): boolean {
  return body.length === 20 && body[0] === 0x50 && body[8] === 0x54 && body[12] === 0x53;
}

/**
 * Where the CopyData messages following `from` end with CopyDone or CopyFail (the index after it),
 * or -1 when the input does not hold a whole COPY's data there.
 */
function copyDataEnd(input: Uint8Array, from: number): number {
  let offset = from;
  while (offset < input.length) {
    const type = input[offset]!;
    const end = messageEnd(input, offset);
    if (end < 0) return -1;
    if (type === FrontendType.copyDone || type === FrontendType.copyFail) return end;
    if (type !== FrontendType.copyData) return -1;
    offset = end;
  }
  return -1;
}

function partialMessageError(shard: string): ShardError {
  return new ShardError(
    shard,
    '08P01',
    'send() was given bytes that end inside a protocol message; send whole messages only',
  );
}
