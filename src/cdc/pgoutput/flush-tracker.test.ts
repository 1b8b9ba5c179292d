import { describe, expect, it } from 'vitest';
import { changePosition } from '../change-position.js';
import { FlushTracker } from './flush-tracker.js';

const tx = (commit: bigint, events: number, endLsn: bigint) => ({
  commitLsn: commit,
  endLsn,
  commitTime: new Date(0),
  lastPosition: events === 0 ? null : changePosition(commit, events - 1),
});

describe('FlushTracker', () => {
  it('moves to a transaction end only once its last event is acknowledged', () => {
    const tracker = new FlushTracker(100n, null);
    tracker.completed(tx(200n, 3, 230n));
    expect(tracker.flushed).toBe(100n);
    tracker.acknowledge(changePosition(200n, 1));
    expect(tracker.flushed).toBe(100n);
    tracker.acknowledge(changePosition(200n, 2));
    expect(tracker.flushed).toBe(230n);
  });

  it('never passes a transaction that is not consumed, even when later ones are empty', () => {
    const tracker = new FlushTracker(100n, null);
    tracker.completed(tx(200n, 1, 230n));
    tracker.completed(tx(300n, 0, 330n));
    expect(tracker.flushed).toBe(100n);
    expect(tracker.waiting).toBe(2);
    tracker.acknowledge(changePosition(200n, 0));
    expect(tracker.flushed).toBe(330n);
    expect(tracker.waiting).toBe(0);
  });

  it('counts transactions at or before the starting position as consumed', () => {
    const tracker = new FlushTracker(100n, changePosition(200n, 5));
    tracker.completed(tx(200n, 7, 230n));
    expect(tracker.flushed).toBe(100n);
    const done = new FlushTracker(100n, changePosition(200n, 5));
    done.completed(tx(200n, 4, 230n));
    expect(done.flushed).toBe(230n);
  });

  it('takes a keepalive position only while nothing waits', () => {
    const tracker = new FlushTracker(100n, null);
    tracker.idle(150n);
    expect(tracker.flushed).toBe(150n);
    tracker.completed(tx(200n, 1, 230n));
    tracker.idle(400n);
    expect(tracker.flushed).toBe(150n);
    tracker.acknowledge(changePosition(200n, 0));
    tracker.idle(400n);
    expect(tracker.flushed).toBe(400n);
    tracker.idle(300n);
    expect(tracker.flushed).toBe(400n);
  });
});
