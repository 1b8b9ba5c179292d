// What every PGlite instance of this process can share: the compiled WebAssembly module and the
// file-system bundle. PGlite compiles and reads them again for each instance unless it is given
// them, which costs about a third of a shard's start-up.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { PGliteOptions } from '@electric-sql/pglite';

/** PGlite's compiled engine (typed through PGlite: Node's types lack the WebAssembly namespace in builds). */
type WasmModule = NonNullable<PGliteOptions['pgliteWasmModule']>;

/** The pieces handed to `PGlite.create` so instances share one compiled engine. */
export interface PgliteRuntime {
  /** The @electric-sql/pglite package version, e.g. `0.5.16`. */
  readonly version: string;
  readonly pgliteWasmModule: WasmModule;
  readonly fsBundle: Blob;
}

let runtime: Promise<PgliteRuntime> | undefined;

// @types/node declares WebAssembly's types but not the global object (that lives in the DOM lib).
const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> } })
  .WebAssembly;

/** The package's `dist` folder, found through Node's resolution so a hoisted install works too. */
function pgliteDist(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('@electric-sql/pglite'));
}

/** The installed PGlite version (read from its package.json). */
export function pgliteVersion(): string {
  const pkg = JSON.parse(readFileSync(join(pgliteDist(), '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Loads (once per process) the shared PGlite engine. */
export function loadPgliteRuntime(): Promise<PgliteRuntime> {
  runtime ??= (async () => {
    const dist = pgliteDist();
    const pgliteWasmModule = await wasm.compile(readFileSync(join(dist, 'pglite.wasm')));
    const fsBundle = new Blob([readFileSync(join(dist, 'pglite.data'))]);
    return { version: pgliteVersion(), pgliteWasmModule, fsBundle };
  })();
  runtime.catch(() => {
    runtime = undefined;
  });
  return runtime;
}
