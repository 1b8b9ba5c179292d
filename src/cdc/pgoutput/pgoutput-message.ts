// The messages of PostgreSQL's pgoutput logical decoding plugin (protocol version 1, plus the
// Message of pg_logical_emit_message), as the decoder returns them. Names follow the protocol's
// "Logical Replication Message Formats" chapter.

/** A column value of a TupleData: text, binary, NULL, or an unchanged TOASTed value not sent. */
export type TupleValue = string | Uint8Array | null | typeof unchangedToast;

/** Marks a TOASTed value the server did not send because the update left it unchanged ('u'). */
export const unchangedToast: unique symbol = Symbol('unchanged TOAST value');

/** One column of a Relation message. */
export interface RelationColumn {
  /** 1 when the column is part of the replica identity key. */
  readonly flags: number;
  readonly name: string;
  readonly typeOid: number;
  readonly typeModifier: number;
}

/** Which old row an Update or Delete carries: the key columns ('K') or the whole row ('O'). */
export type OldTupleKind = 'K' | 'O';

export type PgoutputMessage =
  | {
      readonly tag: 'begin';
      /** The LSN of the transaction's commit record. */
      readonly finalLsn: bigint;
      /** Microseconds since 2000-01-01 UTC. */
      readonly commitTime: bigint;
      readonly xid: number;
    }
  | {
      readonly tag: 'commit';
      readonly flags: number;
      readonly commitLsn: bigint;
      /** The LSN just after the commit record: acknowledging it marks the transaction consumed. */
      readonly endLsn: bigint;
      readonly commitTime: bigint;
    }
  | { readonly tag: 'origin'; readonly lsn: bigint; readonly name: string }
  | {
      readonly tag: 'relation';
      readonly relationId: number;
      readonly schema: string;
      readonly table: string;
      /** `relreplident`: 'd' default, 'n' nothing, 'f' full, 'i' index. */
      readonly replicaIdentity: string;
      readonly columns: readonly RelationColumn[];
    }
  | { readonly tag: 'type'; readonly typeOid: number; readonly schema: string; readonly name: string }
  | { readonly tag: 'insert'; readonly relationId: number; readonly new: readonly TupleValue[] }
  | {
      readonly tag: 'update';
      readonly relationId: number;
      readonly oldKind: OldTupleKind | null;
      readonly old: readonly TupleValue[] | null;
      readonly new: readonly TupleValue[];
    }
  | {
      readonly tag: 'delete';
      readonly relationId: number;
      readonly oldKind: OldTupleKind;
      readonly old: readonly TupleValue[];
    }
  | {
      readonly tag: 'truncate';
      /** 1: CASCADE, 2: RESTART IDENTITY. */
      readonly options: number;
      readonly relationIds: readonly number[];
    }
  | {
      readonly tag: 'message';
      readonly transactional: boolean;
      readonly lsn: bigint;
      readonly prefix: string;
      readonly content: Uint8Array;
    };
