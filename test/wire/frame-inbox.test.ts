// FrameInbox: frames from a stream for the startup phase (one at a time) and the query phase (batches),
// with the startup-packet limit and the pause/resume that pushes back on a fast client.
import { PassThrough } from 'node:stream';
import { serialize } from 'pg-protocol';
import { describe, expect, it } from 'vitest';
import { FrameInbox } from '../../src/wire/server/frame-inbox.js';
import { cutsOf } from './support/frames.js';

const ssl = Uint8Array.from(serialize.requestSsl());
const startup = Uint8Array.from(serialize.startup({ user: 'u' }));
const query = Uint8Array.from(serialize.query('select 1'));
const sync = Uint8Array.from(serialize.sync());

function inbox(options: { maxQueuedBytes?: number; maxMessageBytes?: number } = {}) {
  const stream = new PassThrough();
  const box = new FrameInbox({
    maxMessageBytes: options.maxMessageBytes ?? 1 << 20,
    maxQueuedBytes: options.maxQueuedBytes ?? 1 << 20,
  });
  box.attach(stream);
  return { stream, box };
}

describe('FrameInbox', () => {
  it('yields untyped packets one at a time, then typed messages, however the bytes are cut', async () => {
    const all = Uint8Array.from([...ssl, ...startup, ...query, ...sync]);
    for (const [head, tail] of cutsOf(all)) {
      const { stream, box } = inbox();
      stream.write(head);
      stream.write(tail);
      const first = await box.next();
      const second = await box.next();
      expect([first!.raw.length, second!.raw.length]).toEqual([ssl.length, startup.length]);
      box.expectTyped();
      const typed = [await box.next(), await box.next()];
      expect(typed.map((f) => String.fromCharCode(f!.type))).toEqual(['Q', 'S']);
    }
  });

  it('resolves a waiting next() with null when the stream ends or the inbox closes', async () => {
    const ended = inbox();
    const pending = ended.box.next();
    ended.stream.end();
    expect(await pending).toBeNull();
    const closed = inbox();
    const waiting = closed.box.next();
    closed.box.close();
    expect(await waiting).toBeNull();
  });

  it('fails an incomplete startup packet that grows past 10 000 bytes, without waiting for the rest', async () => {
    const { stream, box } = inbox();
    stream.write(Uint8Array.from([0, 0, 0x9c, 0x40, 0, 3, 0, 0])); // announces 40 000 bytes
    stream.write(new Uint8Array(10_000));
    await expect(box.next()).rejects.toThrow(/invalid length of startup packet/);
  });

  it('fails a typed message over the size limit as soon as its length word arrives', async () => {
    const { stream, box } = inbox({ maxMessageBytes: 100 });
    box.expectTyped();
    stream.write(Uint8Array.from([0x51, 0, 0, 1, 0]));
    await expect(box.next()).rejects.toThrow(/message of 256 bytes is over the limit of 100 bytes/);
    expect(box.failure).not.toBeNull();
  });

  it('refuses a large message before authentication, and accepts it once the limit is lifted', async () => {
    const big = Uint8Array.from(serialize.password('x'.repeat(2000)));
    const before = inbox();
    before.box.expectTyped(1000);
    before.stream.write(big.subarray(0, 1500)); // refused before the rest arrives
    await expect(before.box.next()).rejects.toThrow(/authentication message over the limit of 1000 bytes/);
    const after = inbox();
    after.box.expectTyped(1000);
    after.box.liftLimit();
    after.stream.write(big);
    expect((await after.box.next())!.raw.length).toBe(big.length);
  });

  it('pauses the stream when too much is queued and resumes it when the batch is taken', async () => {
    const { stream, box } = inbox({ maxQueuedBytes: 64 });
    box.expectTyped();
    let changes = 0;
    box.onChange = () => changes++;
    for (let i = 0; i < 10; i++) stream.write(query);
    await new Promise((resolve) => setImmediate(resolve));
    expect(stream.isPaused()).toBe(true);
    const taken = box.takeAll();
    expect(taken.length).toBeGreaterThan(4);
    expect(stream.isPaused()).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(taken.length + box.takeAll().length).toBe(10);
    expect(changes).toBeGreaterThan(0);
  });
});
