// `npm run bench [name…]`: runs every benchmark (or the named ones) and prints their comparisons.
// Each benchmark is a module `bench/<name>/index.ts` exporting `run(): Promise<void>`.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const names = readdirSync(here)
  .filter((n) => n !== 'results' && statSync(join(here, n)).isDirectory())
  .filter((n) => wanted.length === 0 || wanted.includes(n))
  .sort();
for (const name of names) {
  console.log(`\n=== bench/${name} ===`);
  const mod = (await import(pathToFileURL(join(here, name, 'index.ts')).href)) as {
    run: () => Promise<void>;
  };
  await mod.run();
}
