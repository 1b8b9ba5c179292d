import { describe, expect, it } from 'vitest';
import type { ChangeLag } from './change-source.js';
import { LagMonitor } from './lag-monitor.js';

const lag = (over: Partial<ChangeLag>): ChangeLag => ({
  shard: 's0',
  consumer: 'views',
  bytes: 0,
  seconds: 0,
  events: null,
  walStatus: 'reserved',
  ...over,
});

describe('LagMonitor', () => {
  it('reports falling behind and catching up once each', () => {
    const monitor = new LagMonitor({ bytes: 1000, seconds: 60 });
    expect(monitor.check([lag({ bytes: 10 })]).transitions).toEqual([]);
    const behind = monitor.check([lag({ bytes: 5 * 1024 * 1024, seconds: 12 })]);
    expect(behind.reports[0]!.behind).toBe(true);
    expect(behind.transitions.map((t) => t.kind)).toEqual(['behind']);
    expect(behind.transitions[0]!.message).toMatch(/views on shard s0 is far behind: 5\.0 MiB and 12 s/);
    expect(monitor.check([lag({ bytes: 2000 })]).transitions).toEqual([]);
    expect(monitor.check([lag({ bytes: 0 })]).transitions.map((t) => t.kind)).toEqual(['caughtUp']);
  });

  it('counts seconds, unknown seconds and lost WAL', () => {
    const monitor = new LagMonitor({ bytes: 1000, seconds: 60 });
    expect(monitor.check([lag({ seconds: 61 })]).reports[0]!.behind).toBe(true);
    expect(monitor.check([lag({ consumer: 'b', seconds: null })]).reports[0]!.behind).toBe(false);
    const lost = monitor.check([lag({ consumer: 'c', walStatus: 'lost' })]);
    expect(lost.transitions[0]!.message).toMatch(/LOST WAL/);
  });
});
