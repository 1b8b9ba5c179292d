// Forwards frontend messages to one shard connection and matches the shard's answers to them, in
// order, so each answer is relayed to the client or swallowed (answers to messages Switchyard sent
// on its own, e.g. a Parse of a statement the client prepared earlier on another shard).
//
// PostgreSQL answers every message in order: Parse → ParseComplete, Bind → BindComplete, Describe →
// [ParameterDescription] RowDescription|NoData, Execute → DataRow* then CommandComplete |
// EmptyQueryResponse | PortalSuspended (or a COPY sub-protocol), Close → CloseComplete, Sync and a
// simple Query → … ReadyForQuery. After an ErrorResponse in the extended protocol it skips every
// message up to the next Sync. NoticeResponse, ParameterStatus and NotificationResponse may come at
// any time.
import { concatBytes } from '../../backend/protocol-bytes.js';
import type { ShardConnection } from '../../backend/shard-connection.js';
import type { Frame } from '../../protocol/message-framer.js';

/**
 * What happens to the answers to one forwarded message: `relay` sends them to the client (except
 * ReadyForQuery: the session sends its own); `quiet` swallows them but relays an ErrorResponse (a
 * statement Switchyard prepares on a shard on the client's behalf); `internal` swallows everything
 * (Switchyard's own statements; the caller reads the outcome and the collected frames).
 */
export type Disposition = 'relay' | 'quiet' | 'internal';

/** Extra handling of one forwarded message's answers. */
export interface SendOptions {
  /** Every answer frame of this message is also pushed here (copied), whatever the disposition. */
  readonly collect?: Frame[];
  /** Called when this message fails (e.g. forget a statement name whose Parse failed). */
  readonly onError?: () => void;
}

/** The frontend message kinds whose answers the pipe knows how to delimit. */
export type ExpectKind =
  | 'parse'
  | 'bind'
  | 'describe-statement'
  | 'describe-portal'
  | 'execute'
  | 'close'
  | 'sync'
  | 'query';

interface Expectation {
  readonly kind: ExpectKind;
  readonly disposition: Disposition;
  readonly options: SendOptions | undefined;
  /** For describe-statement: ParameterDescription seen, RowDescription/NoData still to come. */
  stage: number;
}

/** Backend message type bytes. */
export const B = {
  parseComplete: 0x31, // '1'
  bindComplete: 0x32, // '2'
  closeComplete: 0x33, // '3'
  commandComplete: 0x43, // 'C'
  dataRow: 0x44, // 'D'
  errorResponse: 0x45, // 'E'
  copyInResponse: 0x47, // 'G'
  copyOutResponse: 0x48, // 'H'
  emptyQuery: 0x49, // 'I'
  noticeResponse: 0x4e, // 'N'
  parameterStatus: 0x53, // 'S'
  rowDescription: 0x54, // 'T'
  readyForQuery: 0x5a, // 'Z'
  notification: 0x41, // 'A'
  copyData: 0x64, // 'd'
  copyDone: 0x63, // 'c'
  copyBothResponse: 0x57, // 'W'
  noData: 0x6e, // 'n'
  portalSuspended: 0x73, // 's'
  parameterDescription: 0x74, // 't'
} as const;

/** How a drain ended. */
export interface DrainOutcome {
  /** An ErrorResponse was received (and relayed or swallowed per its message's disposition). */
  readonly error: Frame | undefined;
  /** The shard started a COPY FROM STDIN and now waits for CopyData (the pipe stops there). */
  readonly copyIn: Frame | undefined;
}

/**
 * A shard connection plus the answers it still owes. `send` queues a message, `flush` writes the
 * queue, `drain` reads answers until every queued message is answered (or the shard waits for COPY
 * data), handing frames to relay to `sink`.
 */
export class ShardPipe {
  readonly #pending: Expectation[] = [];
  #queued: Uint8Array[] = [];
  /** Frames received but not yet consumed (a receive can return more than one expectation needs). */
  #buffered: Frame[] = [];
  /** Next unread index of #buffered (an index, not shift(): a backlog can hold many thousand frames). */
  #read = 0;

  constructor(readonly connection: ShardConnection) {}

  get shard(): string {
    return this.connection.shard;
  }

  /** Answers still owed. */
  get owed(): number {
    return this.#pending.length;
  }

  /** Queues a message whose answers are `disposition`; `kind` says how to delimit them. */
  send(raw: Uint8Array, kind: ExpectKind, disposition: Disposition = 'relay', options?: SendOptions): void {
    this.#queued.push(raw);
    this.#pending.push({ kind, disposition, options, stage: 0 });
  }

  /** Queues a message that has no answer (Flush, CopyData, CopyDone). */
  sendUnanswered(raw: Uint8Array): void {
    this.#queued.push(raw);
  }

  /** Writes every queued message to the shard in one write. */
  flush(): void {
    if (this.#queued.length === 0) return;
    const bytes = this.#queued.length === 1 ? this.#queued[0]! : concatBytes(this.#queued);
    this.#queued = [];
    this.connection.send(bytes);
  }

  /**
   * Reads answers until every pending message is answered, or the shard asks for COPY data. Frames
   * to relay go to `sink` in order; `beforeWait` runs whenever the pipe is about to wait for the shard.
   */
  async drain(
    sink: (frame: Frame) => void,
    beforeWait?: () => Promise<void> | undefined,
  ): Promise<DrainOutcome> {
    let error: Frame | undefined;
    while (this.#pending.length > 0) {
      // Before waiting on the shard, let the caller pass on what it has and wait for the client to
      // keep up: a large result streams through with bounded memory.
      if (this.#read === this.#buffered.length && beforeWait) await beforeWait();
      const frame = await this.#next();
      const step = this.#consume(frame);
      if (step.relay) sink(frame);
      if (step.error) error ??= frame; // the first error of a batch counts: later messages were skipped
      if (step.copyIn) return { error, copyIn: frame };
    }
    return { error, copyIn: undefined };
  }

  /**
   * Pull-based reading, for merging several shards' rows: yields the frames that `drain` would hand
   * to its sink, one at a time, reading from the shard only when the consumer asks for more.
   * Stops after every pending message is answered (or at a CopyInResponse, which it yields).
   */
  async *frames(): AsyncGenerator<Frame, void, undefined> {
    while (this.#pending.length > 0) {
      const frame = await this.#next();
      const step = this.#consume(frame);
      if (step.relay) yield frame;
      if (step.copyIn) return;
    }
  }

  /** Updates the expectations for one received frame and says what to do with it. */
  #consume(frame: Frame): { relay: boolean; error: boolean; copyIn: boolean } {
    const current = this.#pending[0]!;
    const type = frame.type;
    current.options?.collect?.push(copyFrame(frame));
    const isError = type === B.errorResponse;
    const relay =
      type !== B.readyForQuery &&
      (current.disposition === 'relay' || (isError && current.disposition === 'quiet'));
    if (type === B.noticeResponse || type === B.parameterStatus || type === B.notification) {
      return { relay, error: false, copyIn: false };
    }
    if (isError) {
      current.options?.onError?.();
      this.#skipToSync();
      return { relay, error: true, copyIn: false };
    }
    if (type === B.copyInResponse) return { relay, error: false, copyIn: true };
    if (this.#completes(current, type)) this.#pending.shift();
    return { relay, error: false, copyIn: false };
  }

  /**
   * After a COPY FROM STDIN was started, the answers to the COPY (CommandComplete or ErrorResponse)
   * are owed by the Query or Execute that started it; call `drain` again after CopyDone/CopyFail.
   */
  async #next(): Promise<Frame> {
    if (this.#read === this.#buffered.length) {
      this.#buffered = await this.connection.receive();
      this.#read = 0;
    }
    return this.#buffered[this.#read++]!;
  }

  /** Whether `type` is the last answer to `e`. */
  #completes(e: Expectation, type: number): boolean {
    switch (e.kind) {
      case 'parse':
        return type === B.parseComplete;
      case 'bind':
        return type === B.bindComplete;
      case 'close':
        return type === B.closeComplete;
      case 'describe-portal':
        return type === B.rowDescription || type === B.noData;
      case 'describe-statement':
        if (type === B.parameterDescription) {
          e.stage = 1;
          return false;
        }
        return type === B.rowDescription || type === B.noData;
      case 'execute':
        return (
          type === B.commandComplete ||
          type === B.emptyQuery ||
          type === B.portalSuspended ||
          // A COPY TO inside Execute ends with CommandComplete too; CopyOutResponse/CopyData/CopyDone pass.
          false
        );
      case 'sync':
      case 'query':
        return type === B.readyForQuery;
    }
  }

  /** After an error the shard skips every extended-protocol message up to the next Sync. */
  #skipToSync(): void {
    const current = this.#pending[0];
    // A simple Query still ends with ReadyForQuery after its error.
    if (current?.kind === 'query') return;
    // (PostgreSQL discards every message up to Sync, a simple Query included: the session never
    // queues a Query after extended-protocol messages without a Sync between them.)
    while (this.#pending.length > 0 && this.#pending[0]!.kind !== 'sync') this.#pending.shift();
  }
}

/** Frames are views into received buffers; collected ones are copied so they outlive the batch. */
function copyFrame(frame: Frame): Frame {
  const raw = frame.raw.slice();
  return { type: frame.type, raw, body: raw.subarray(raw.length - frame.body.length) };
}
