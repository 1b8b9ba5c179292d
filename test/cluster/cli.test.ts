// The `switchyard` command as a user runs it: start with sample data, stop with SIGTERM or SIGINT,
// start again with nothing lost; bad configuration gives a clear message and exit code 1.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'switchyard.js');
const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-cli-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

interface Run {
  readonly child: ChildProcess;
  output: string;
  readonly exited: Promise<number | null>;
}

function start(args: string[]): Run {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, SWITCHYARD_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: Run = {
    child,
    output: '',
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  };
  child.stdout?.on('data', (d: Buffer) => {
    run.output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    run.output += d.toString();
  });
  return run;
}

async function waitFor(run: Run, text: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!run.output.includes(text)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for "${text}"; output:\n${run.output}`);
    if (run.child.exitCode !== null)
      throw new Error(`exited with ${run.child.exitCode}; output:\n${run.output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function tenantRows(output: string): number {
  return [...output.matchAll(/tenants=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
}

describe('switchyard up', () => {
  it('creates the sample on first start, stops cleanly on SIGTERM and keeps it across a restart', async () => {
    const first = start(['up', '--sample', '--data-dir', dataDir, '--listen', '127.0.0.1:0']);
    await waitFor(first, 'Press Ctrl-C to stop.');
    expect(first.output).toContain('Created the sample multi-tenant data set.');
    expect(first.output).toMatch(/s3 \[active\] pglite:\/\/shards\/s3/);
    expect(tenantRows(first.output)).toBe(1000);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output).toContain('Stopped cleanly.');

    const second = start(['up', '--sample', '--data-dir', dataDir, '--listen', '127.0.0.1:0']);
    await waitFor(second, 'Press Ctrl-C to stop.');
    expect(second.output).toContain('Sample data already present.');
    expect(tenantRows(second.output)).toBe(1000);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  });

  it('refuses a configuration that changes the shards of an existing cluster', async () => {
    const run = start(['up', '--shards', '2', '--data-dir', dataDir, '--listen', '127.0.0.1:0']);
    expect(await run.exited).toBe(1);
    expect(run.output).toMatch(/names shards \[s0, s1\] but the cluster's catalog .* has \[s0, s1, s2, s3\]/);
  });

  it('reports a wrong configuration field with its path and exits 1', async () => {
    const file = join(dataDir, 'bad.yaml');
    writeFileSync(file, 'shards: 2\ntables:\n  users: { shardkey: id }\n');
    const run = start(['up', '--config', file]);
    expect(await run.exited).toBe(1);
    expect(run.output).toContain('tables.users.shardkey: unknown field');
  });
});
