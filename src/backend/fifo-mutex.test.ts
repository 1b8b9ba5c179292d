import { describe, expect, it } from 'vitest';
import { FifoMutex } from './fifo-mutex.js';

const errors = { onTimeout: () => new Error('timeout'), onAbort: () => new Error('aborted') };
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('FifoMutex', () => {
  it('grants the lock in the order it was asked for', async () => {
    const mutex = new FifoMutex();
    const order: number[] = [];
    const first = await mutex.acquire(errors);
    const waiters = [1, 2, 3].map((n) =>
      mutex.acquire(errors).then((release) => {
        order.push(n);
        release();
      }),
    );
    expect(mutex.waiting).toBe(3);
    first();
    await Promise.all(waiters);
    expect(order).toEqual([1, 2, 3]);
    expect(mutex.locked).toBe(false);
  });

  it('does not let a late caller overtake the queue when the lock is handed over', async () => {
    const mutex = new FifoMutex();
    const release = await mutex.acquire(errors);
    const queued = mutex.acquire(errors);
    release();
    // The lock went straight to the queued waiter, so a new caller has to wait behind it.
    const late = mutex.acquire({ ...errors, timeoutMs: 20 });
    const handed = await queued;
    await expect(late).rejects.toThrow('timeout');
    handed();
  });

  it('rejects a waiter after its timeout and leaves the others queued', async () => {
    const mutex = new FifoMutex();
    const release = await mutex.acquire(errors);
    const impatient = mutex.acquire({ ...errors, timeoutMs: 10 });
    const patient = mutex.acquire(errors);
    await expect(impatient).rejects.toThrow('timeout');
    expect(mutex.waiting).toBe(1);
    release();
    (await patient)();
    expect(mutex.locked).toBe(false);
  });

  it('removes an aborted waiter from the queue', async () => {
    const mutex = new FifoMutex();
    const release = await mutex.acquire(errors);
    const controller = new AbortController();
    const aborted = mutex.acquire({ ...errors, signal: controller.signal });
    controller.abort();
    await expect(aborted).rejects.toThrow('aborted');
    expect(mutex.waiting).toBe(0);
    release();
    expect(mutex.locked).toBe(false);
    await expect(mutex.acquire({ ...errors, signal: AbortSignal.abort() })).rejects.toThrow('aborted');
  });

  it('ignores a second release', async () => {
    const mutex = new FifoMutex();
    const release = await mutex.acquire(errors);
    const next = mutex.acquire(errors);
    release();
    release();
    await tick();
    expect(mutex.locked).toBe(true);
    (await next)();
    expect(mutex.locked).toBe(false);
  });

  it('fails every waiter at once on failWaiters', async () => {
    const mutex = new FifoMutex();
    await mutex.acquire(errors);
    const waiters = [mutex.acquire(errors), mutex.acquire(errors)];
    mutex.failWaiters(new Error('closed'));
    for (const waiter of waiters) await expect(waiter).rejects.toThrow('closed');
    expect(mutex.waiting).toBe(0);
  });
});
