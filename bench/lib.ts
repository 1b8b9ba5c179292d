// Shared pieces of the benchmarks: timing, the machine description, and writing results as JSON
// under bench/results/. Benchmarks compare against a baseline measured in the same run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const resultsDir = join(dirname(fileURLToPath(import.meta.url)), 'results');

/** The machine a figure was measured on. */
export function machine(): Record<string, unknown> {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

/**
 * Runs `fn(iterations)` repeatedly until at least `minMs` have passed and returns the best rate in
 * operations per second (best of `rounds`, after one warm-up round).
 */
export function opsPerSecond(fn: (iterations: number) => void, iterations: number, rounds = 5): number {
  fn(iterations);
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    fn(iterations);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    best = Math.max(best, iterations / seconds);
  }
  return best;
}

/** Writes `bench/results/<name>.json` with the figures, the machine and the time of the run. */
export function writeResults(name: string, figures: unknown): string {
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${name}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ name, ranAt: new Date().toISOString(), machine: machine(), figures }, null, 2)}\n`,
  );
  return file;
}
