// The `switchyard` command line.
import { existsSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { type ClusterConfig, loadConfigFile, parseConfig } from '../cluster/config.js';
import { SwitchyardError } from '../util/errors.js';
import { runUp } from './up-command.js';

const program = new Command()
  .name('switchyard')
  .description('Shards PostgreSQL behind one address and keeps what is built on it live.')
  .showHelpAfterError();

program
  .command('up')
  .description('start a cluster (embedded PGlite shards by default)')
  .option(
    '-c, --config <file>',
    'configuration file (default: ./switchyard.yaml if present, else 4 embedded shards)',
  )
  .option('--data-dir <dir>', 'override dataDir of the configuration')
  .option('--shards <n>', 'embedded shards when no configuration file is used', positiveInt)
  .option('--sample', 'create the sample multi-tenant schema and data on first start')
  .option(
    '--listen <host:port>',
    'address of the Postgres front end (overrides listen.postgres; port 0 picks a free one)',
  )
  .action(
    async (options: {
      config?: string;
      dataDir?: string;
      shards?: number;
      sample?: boolean;
      listen?: string;
    }) => {
      let config = resolveConfig(options);
      if (options.listen) {
        config = {
          ...config,
          listen: parseConfig({ shards: 1, listen: { postgres: options.listen } }).listen,
        };
      }
      await runUp(config, { sample: options.sample === true });
    },
  );

program
  .command('check-config')
  .description('validate a configuration file and print what it describes')
  .argument('[file]', 'configuration file', 'switchyard.yaml')
  .action((file: string) => {
    const config = loadConfigFile(file);
    console.log(`${file} is valid.`);
    console.log(JSON.stringify(config, null, 2));
  });

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

function resolveConfig(options: { config?: string; dataDir?: string; shards?: number }): ClusterConfig {
  const file = options.config ?? (existsSync('switchyard.yaml') ? 'switchyard.yaml' : undefined);
  const config = file ? loadConfigFile(file) : parseConfig({ shards: options.shards ?? 4 });
  if (file && options.shards !== undefined) {
    throw new SwitchyardError(
      '22023',
      `--shards applies only without a configuration file; set shards in ${file}`,
    );
  }
  return options.dataDir
    ? { ...config, dataDir: parseConfig({ shards: 1, dataDir: options.dataDir }).dataDir }
    : config;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof SwitchyardError ? ` [${error.code}]` : '';
  console.error(`switchyard: ${message}${code}`);
  if (!(error instanceof SwitchyardError) && error instanceof Error && error.stack)
    console.error(error.stack);
  process.exitCode = 1;
}
