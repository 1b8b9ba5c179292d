// Helpers for the ShardConnection suite: frontend messages come from pg-protocol's serializer and
// backend messages are decoded by its parser, so the tests check the connections against a codec
// that is not Switchyard's own.
import { serialize } from 'pg-protocol';
import { Parser } from 'pg-protocol/dist/parser.js';
import { expect } from 'vitest';
import type { ShardConnection } from '../../../src/backend/shard-connection.js';
import type { Frame } from '../../../src/protocol/message-framer.js';

export { serialize };

/** A backend message as pg-protocol decodes it (only the fields the tests read). */
export interface Decoded {
  readonly name: string;
  readonly fields?: (string | null)[];
  readonly text?: string;
  readonly status?: string;
  readonly code?: string;
  readonly message?: string;
  readonly hint?: string;
  readonly chunk?: Buffer;
}

/** Reads until `count` ReadyForQuery messages have arrived; the frames are copied. */
export async function untilReady(connection: ShardConnection, count = 1): Promise<Frame[]> {
  const frames: Frame[] = [];
  let ready = 0;
  while (ready < count) {
    for (const frame of await connection.receive()) {
      const raw = frame.raw.slice();
      frames.push({ type: frame.type, raw, body: raw.subarray(5) });
      if (frame.type === 0x5a) ready += 1;
    }
  }
  return frames;
}

/** Reads until a message of `type` arrives (e.g. CopyInResponse); the frames are copied. */
export async function until(connection: ShardConnection, type: string): Promise<Frame[]> {
  const frames: Frame[] = [];
  for (;;) {
    for (const frame of await connection.receive()) {
      const raw = frame.raw.slice();
      frames.push({ type: frame.type, raw, body: raw.subarray(5) });
    }
    if (frames.some((f) => f.type === type.charCodeAt(0))) return frames;
  }
}

/** Sends `sql` as a simple Query and reads up to its ReadyForQuery. */
export async function simpleQuery(connection: ShardConnection, sql: string): Promise<Decoded[]> {
  connection.send(serialize.query(sql));
  return decode(await untilReady(connection));
}

/** The messages' type letters, e.g. "T D C Z". */
export function types(frames: readonly Frame[]): string {
  return frames.map((f) => String.fromCharCode(f.type)).join(' ');
}

/** Decodes frames with pg-protocol's parser. */
export function decode(frames: readonly Frame[]): Decoded[] {
  const messages: Decoded[] = [];
  const parser = new Parser();
  parser.parse(Buffer.concat(frames.map((f) => f.raw)), (message) =>
    messages.push(message as unknown as Decoded),
  );
  return messages;
}

/** Values of the DataRow messages, in text format. */
export function rowsOf(messages: readonly Decoded[]): (string | null)[][] {
  return messages.filter((m) => m.name === 'dataRow').map((m) => m.fields ?? []);
}

/** Command tags of the CommandComplete messages. */
export function tagsOf(messages: readonly Decoded[]): string[] {
  return messages.filter((m) => m.name === 'commandComplete').map((m) => m.text ?? '');
}

/** The SQLSTATE of the only ErrorResponse (failing the test unless there is exactly one). */
export function errorCodeOf(messages: readonly Decoded[]): string {
  const errors = messages.filter((m) => m.name === 'error');
  expect(errors).toHaveLength(1);
  return errors[0]!.code ?? '';
}

/** The status of the last ReadyForQuery. */
export function lastStatus(messages: readonly Decoded[]): string | undefined {
  return messages.filter((m) => m.name === 'readyForQuery').at(-1)?.status;
}

/** Parse, Bind, Execute, Sync of `text` with text parameters, as one batch. */
export function extendedQuery(text: string, values: (string | null)[] = []): Buffer {
  return Buffer.concat([
    serialize.parse({ text }),
    serialize.bind({ values }),
    serialize.execute({}),
    serialize.sync(),
  ]);
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether `promise` settles within `ms` milliseconds. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await sleep(ms);
  return settled;
}
