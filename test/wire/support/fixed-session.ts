// A SessionHandler for server tests: answers every Query with one fixed row, runs the extended
// protocol by echoing Bind parameters back as the row, and records what it saw. Hooks let a test make
// a query wait for a cancel, fail, or stream a large result.
import type { FrontendMessage } from '../../../src/wire/codec/frontend-message.js';
import {
  encodeBindComplete,
  encodeCloseComplete,
  encodeCommandComplete,
  encodeDataRow,
  encodeErrorResponse,
  encodeNoData,
  encodeParameterDescription,
  encodeParseComplete,
  encodeReadyForQuery,
  encodeRowDescription,
  type RowField,
} from '../../../src/wire/codec/index.js';
import type { SessionHandler, WireConnection } from '../../../src/wire/server/session-handler.js';

const textColumn = (name: string): RowField => ({
  name,
  tableOid: 0,
  columnNumber: 0,
  typeOid: 25,
  typeSize: -1,
  typeModifier: -1,
  format: 0,
});

/** What every session of a test saw. */
export interface SessionLog {
  readonly sessions: FixedSession[];
}

/** Answers queries with fixed rows; see the file header. */
export class FixedSession implements SessionHandler {
  readonly messages: FrontendMessage[] = [];
  readonly batches: number[] = [];
  cancels = 0;
  closes = 0;
  /** Rows written so far by a `rows N` query. */
  rowsWritten = 0;
  #cancelled: (() => void) | null = null;
  #lastParameters: (Uint8Array | null)[] = [];

  constructor(readonly connection: WireConnection) {}

  async onMessages(messages: readonly FrontendMessage[]): Promise<void> {
    this.batches.push(messages.length);
    for (const message of messages) {
      // Keep a copy: the raw views are only guaranteed for the batch.
      this.messages.push({ ...message, raw: Uint8Array.from(message.raw) } as FrontendMessage);
      await this.#answer(message);
    }
  }

  onCancel(): void {
    this.cancels++;
    this.#cancelled?.();
  }

  onClose(): void {
    this.closes++;
  }

  async #answer(message: FrontendMessage): Promise<void> {
    const c = this.connection;
    switch (message.type) {
      case 'Query':
        if (message.query.startsWith('wait for cancel')) {
          await new Promise<void>((resolve) => {
            this.#cancelled = resolve;
          });
          c.write(
            encodeErrorResponse({
              severity: 'ERROR',
              code: '57014',
              message: 'canceling statement due to user request',
            }),
          );
        } else if (message.query.startsWith('fail the session')) {
          throw new Error('the session broke');
        } else if (message.query.startsWith('rows ')) {
          const count = Number(message.query.slice(5));
          c.write(encodeRowDescription([textColumn('n')]));
          for (let i = 0; i < count; i++) {
            c.write(encodeDataRow([String(i).padStart(1000, '.')]));
            this.rowsWritten++;
            if (i % 256 === 0) await c.drained();
          }
          c.write(encodeCommandComplete(`SELECT ${count}`));
        } else {
          c.write(encodeRowDescription([textColumn('answer'), textColumn('user')]));
          c.write(encodeDataRow(['42', c.startup.user]));
          c.write(encodeCommandComplete('SELECT 1'));
        }
        c.write(encodeReadyForQuery('I'));
        return;
      case 'Parse':
        c.write(encodeParseComplete());
        return;
      case 'Bind':
        this.#lastParameters = message.parameters.map((p) => (p === null ? null : Uint8Array.from(p)));
        c.write(encodeBindComplete());
        return;
      case 'Describe':
        if (message.target === 'S') c.write(encodeParameterDescription([]));
        c.write(
          this.#lastParameters.length
            ? encodeRowDescription(this.#lastParameters.map((_, i) => textColumn(`p${i + 1}`)))
            : encodeNoData(),
        );
        return;
      case 'Execute':
        if (this.#lastParameters.length) c.write(encodeDataRow(this.#lastParameters));
        c.write(encodeCommandComplete(this.#lastParameters.length ? 'SELECT 1' : 'SELECT 0'));
        return;
      case 'Close':
        c.write(encodeCloseComplete());
        return;
      case 'Sync':
        c.write(encodeReadyForQuery('I'));
        return;
      default:
        return;
    }
  }
}

/** A session factory that keeps every session it made. */
export function fixedSessions(): { log: SessionLog; factory: (connection: WireConnection) => FixedSession } {
  const log: SessionLog = { sessions: [] };
  return {
    log,
    factory: (connection) => {
      const session = new FixedSession(connection);
      log.sessions.push(session);
      return session;
    },
  };
}
