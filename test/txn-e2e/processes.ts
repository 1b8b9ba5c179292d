// The processes the end-to-end transaction tests drive: `switchyard up` as a child process (killed
// with SIGKILL under load), and pgbench against it, to completion or in the background.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { findPgBin } from '../harness/postgres-server.js';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'switchyard.js');

/** A running `switchyard up`. */
export interface Router {
  readonly child: ChildProcess;
  output: string;
}

/** Starts `switchyard up --config <config>` and waits until it serves. */
export async function startRouter(config: string): Promise<Router> {
  const child = spawn(process.execPath, [bin, 'up', '--config', config], {
    env: { ...process.env, SWITCHYARD_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: Router = { child, output: '' };
  child.stdout?.on('data', (d: Buffer) => (run.output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (run.output += d.toString()));
  const deadline = Date.now() + 60_000;
  while (!run.output.includes('Press Ctrl-C to stop.')) {
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`Switchyard did not start:\n${run.output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return run;
}

/** Kills the router with SIGKILL and waits for it to be gone. */
export async function killRouter(
  router: Router | undefined,
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<void> {
  if (!router || router.child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => router.child.on('exit', () => resolve()));
  router.child.kill(signal);
  await exited;
}

const target = (port: number) => ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'postgres'];

/** Runs pgbench with `args` against the router on `port` to its end. */
export function pgbench(
  port: number,
  args: string[],
  timeoutMs: number,
): { status: number | null; output: string } {
  const result = spawnSync(join(findPgBin()!, 'pgbench'), [...args, ...target(port)], {
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

/** Runs pgbench in the background (to kill the router under it); resolves with its output. */
export function pgbenchInBackground(port: number, args: string[]): Promise<string> {
  const child = spawn(join(findPgBin()!, 'pgbench'), [...args, ...target(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => child.on('exit', () => resolve(output)));
}
