// COPY … FROM STDIN through the session. Into a table on one known shard (an unsharded table on the
// home shard) the client's CopyData is forwarded as it comes. Into a sharded table the rows are read
// as they arrive to find each row's shard key; until distributed writes exist all rows must belong to
// one shard, which then receives the whole COPY.
import type { StatementPlan } from '../../router/route-plan.js';
import { SqlState } from '../../util/errors.js';
import type { FrontendMessage } from '../codec/index.js';
import { copyFailMessage, queryMessage } from './frontend-messages.js';
import type { SessionContext } from './session-context.js';
import { SessionError } from './session-error.js';
import type { ShardLinks } from './shard-links.js';
import type { ShardPipe } from './shard-pipe.js';
import { ShardedCopyIn } from './sharded-copy-in.js';

/** A COPY FROM STDIN in progress: the session hands it every message until it says it is done. */
export interface CopyInProgress {
  /** Takes the next client message; resolves true when the COPY is over (its answers sent). */
  accept(message: FrontendMessage): Promise<boolean>;
}

/** COPY FROM STDIN into a table on one known shard: the client's data is forwarded as it comes. */
export class CopyIn implements CopyInProgress {
  readonly #pipe: ShardPipe;
  readonly #send: (bytes: Uint8Array) => void;

  private constructor(pipe: ShardPipe, send: (bytes: Uint8Array) => void) {
    this.#pipe = pipe;
    this.#send = send;
  }

  /**
   * Starts the COPY of `plan`. Resolves with the COPY in progress, or undefined when the shard
   * answered without waiting for data (an error, already relayed through `send`).
   */
  static async start(
    ctx: SessionContext,
    links: ShardLinks,
    plan: StatementPlan,
    send: (bytes: Uint8Array) => void,
  ): Promise<CopyInProgress | undefined> {
    const route = plan.route;
    if (route.type === 'shard-key') return ShardedCopyIn.start(ctx, links, plan, send);
    let shard: string;
    if (route.type === 'shard') shard = route.shard;
    else if (route.type === 'any') shard = links.anyShard();
    else {
      throw new SessionError(
        SqlState.featureNotSupported,
        `COPY FROM STDIN with a ${route.type} route is not supported`,
      );
    }
    const pipe = await links.pipeFor(shard, true);
    pipe.send(queryMessage(plan.sql), 'query', 'relay');
    pipe.flush();
    const outcome = await pipe.drain((frame) => send(frame.raw));
    return outcome.copyIn ? new CopyIn(pipe, send) : undefined;
  }

  /** A COPY that a shard already started (its CopyInResponse was relayed): forward the data. */
  static forward(pipe: ShardPipe, send: (bytes: Uint8Array) => void): CopyIn {
    return new CopyIn(pipe, send);
  }

  /** Takes the next client message; resolves true when the COPY is over (answers relayed). */
  async accept(message: FrontendMessage): Promise<boolean> {
    switch (message.type) {
      case 'CopyData':
        this.#pipe.sendUnanswered(message.raw.slice());
        if (this.#pipe.owed > 0) this.#pipe.flush();
        return false;
      case 'CopyDone':
      case 'CopyFail':
        this.#pipe.sendUnanswered(message.raw.slice());
        return this.#finish();
      case 'Sync':
      case 'Flush':
        return false; // ignored during COPY, as PostgreSQL does
      default:
        this.#pipe.sendUnanswered(copyFailMessage('protocol violation during COPY'));
        await this.#finish();
        throw new SessionError('08P01', `unexpected ${message.type} message during COPY FROM STDIN`);
    }
  }

  async #finish(): Promise<boolean> {
    this.#pipe.flush();
    await this.#pipe.drain((frame) => this.#send(frame.raw));
    return true;
  }
}
