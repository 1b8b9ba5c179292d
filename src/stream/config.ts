// The `stream:` section of switchyard.yaml: how many partitions, how deep their queues, and which
// partitioning strategy each workload (a view, a shape set, an export) uses. Validated with zod;
// every problem names its path and what was expected. Seed 003's keys (partitioning_strategy,
// alignment_threshold, …) are recognised and answered with what to write instead.
import { availableParallelism } from 'node:os';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { type ZodError, z } from 'zod';
import { HASHER_NAMES } from '../keyspace/key-type.js';
import { ConfigError } from '../util/errors.js';
import { MAX_PARTITIONS } from './key-partitioner.js';

const columns = z
  .union(
    [
      z.string().min(1, 'expected a column name'),
      z.array(z.string().min(1, 'expected a column name')).min(1, 'expected at least one column'),
    ],
    { error: 'expected a column name or a list of column names, e.g. [tenant_id, region]' },
  )
  .transform((value) => (typeof value === 'string' ? [value] : value));

const partitions = z
  .number({ error: `expected a whole number of partitions from 1 to ${MAX_PARTITIONS}` })
  .int(`expected a whole number of partitions from 1 to ${MAX_PARTITIONS}`)
  .min(1, `expected a whole number of partitions from 1 to ${MAX_PARTITIONS}`)
  .max(MAX_PARTITIONS, `expected a whole number of partitions from 1 to ${MAX_PARTITIONS}`);

const hash = z.enum(HASHER_NAMES, {
  error: `expected one of ${HASHER_NAMES.join(', ')} (murmur2 picks the partitions a Kafka producer would)`,
});

// Seed 003's spellings: accepted by no strategy, each refused with what to write instead.
const seedKeys = {
  partitioning_strategy: z
    .never({ error: 'write strategy: always_hash | smart | round_robin | sticky instead' })
    .optional(),
  strategy_config: z
    .never({ error: 'put the options next to strategy, e.g. { strategy: always_hash, hash: murmur2 }' })
    .optional(),
  source_partition_key: z
    .never({ error: "not needed: the source partition key is the table's shard key, read from the catalog" })
    .optional(),
  alignment_threshold: z
    .never({
      error: "not needed: smart knows alignment exactly from the table's shard key and the GROUP BY columns",
    })
    .optional(),
  hash_function: z.never({ error: 'write hash: postgres | murmur3 | murmur2 instead' }).optional(),
};

const common = { partitions: partitions.optional(), ...seedKeys };

// round_robin and sticky read no key: say so rather than "unknown field".
const noKey = (strategy: string) => ({
  hash: z.never({ error: `${strategy} does not hash keys; remove hash` }).optional(),
  key: z.never({ error: `${strategy} does not read keys; remove key` }).optional(),
});

const hashing = { hash: hash.default('postgres'), key: columns.optional(), ...common };

/**
 * One workload's strategy, e.g. `{ strategy: smart }`, `{ strategy: always_hash, hash: murmur2 }`, or
 * just the name (`sticky`).
 */
export const strategyConfigSchema = z.preprocess(
  (value) => (typeof value === 'string' ? { strategy: value } : value),
  z.discriminatedUnion(
    'strategy',
    [
      z.strictObject({ strategy: z.literal('always_hash'), ...hashing }),
      z.strictObject({ strategy: z.literal('smart'), ...hashing }),
      z.strictObject({ strategy: z.literal('round_robin'), ...noKey('round_robin'), ...common }),
      z.strictObject({ strategy: z.literal('sticky'), ...noKey('sticky'), ...common }),
    ],
    { error: 'expected strategy: always_hash, smart, round_robin or sticky' },
  ),
);

/** The zod schema of the `stream:` section (the lead wires it into switchyard.yaml's schema). */
export const streamConfigSchema = z.strictObject({
  /** Partitions (worker threads) of a stream; default: one per CPU core. */
  partitions: partitions.optional(),
  /** Events a partition holds (queued and unacknowledged) before producers wait. */
  queueCapacity: z
    .number()
    .int()
    .min(1, 'expected at least 1 event')
    .max(10_000_000, 'expected at most 10,000,000 events')
    .default(8192),
  /** Events sent to a worker per message. */
  batchSize: z.number().int().min(1, 'expected at least 1 event').max(65_536).default(256),
  /** Restarts of a worker on the same unacknowledged events before the partition is declared failed. */
  maxRestarts: z.number().int().min(0).max(1000).default(5),
  /** Batches between two handler snapshots (for handlers that keep state and can snapshot it). */
  checkpointEvery: z.number().int().min(1).max(1_000_000).default(64),
  /** The strategy of workloads not listed under `workloads`. */
  default: strategyConfigSchema.default({ strategy: 'always_hash', hash: 'postgres' }),
  /** Strategies by workload name (a view's, a shape set's or an export's name). */
  workloads: z
    .record(z.string().regex(/^[A-Za-z_][\w$.-]*$/, 'expected a workload name'), strategyConfigSchema)
    .default({}),
  ...seedKeys,
  partitioning_strategy: z
    .never({ error: 'write default: { strategy: … } or workloads: { <name>: { strategy: … } } instead' })
    .optional(),
  strategy_config: z
    .never({ error: 'put each workload under workloads: { <name>: { strategy: …, hash: … } } instead' })
    .optional(),
});

/** A validated `stream:` section with defaults filled in. */
export type StreamConfig = z.infer<typeof streamConfigSchema>;
/** One workload's validated strategy configuration. */
export type StrategyConfig = z.infer<typeof strategyConfigSchema>;

/** The defaults, as an absent `stream:` section gives. */
export const DEFAULT_STREAM_CONFIG: StreamConfig = streamConfigSchema.parse({});

/**
 * Validates a parsed `stream:` section; throws a ConfigError with one line per problem
 * (`stream.workloads.x.strategy: expected …`).
 */
export function parseStreamConfig(input: unknown, source = 'stream configuration'): StreamConfig {
  const result = streamConfigSchema.safeParse(input ?? {});
  if (!result.success)
    throw new ConfigError(`${source} is not valid`, streamIssues(result.error, ['stream']));
  return result.data;
}

/** Reads the `stream:` section of a YAML document (a whole switchyard.yaml, or the section alone). */
export function parseStreamYaml(text: string, source = 'stream configuration'): StreamConfig {
  let input: unknown;
  try {
    input = parseYaml(text);
  } catch (error) {
    const where = error instanceof YAMLParseError ? ` at line ${error.linePos?.[0]?.line ?? '?'}` : '';
    throw new ConfigError(`${source} is not valid YAML${where}`, [], { cause: error });
  }
  const section =
    input && typeof input === 'object' && 'stream' in input ? (input as { stream: unknown }).stream : input;
  return parseStreamConfig(section, source);
}

/** The partitions of a workload: its own setting, the section's, else one per CPU core. */
export function partitionsFor(config: StreamConfig, strategy: StrategyConfig): number {
  return strategy.partitions ?? config.partitions ?? availableParallelism();
}

/** The strategy configuration of `workload`: its entry, or the section's default. */
export function workloadStrategy(config: StreamConfig, workload: string): StrategyConfig {
  return Object.hasOwn(config.workloads, workload) ? config.workloads[workload]! : config.default;
}

/** `path: message` lines, as switchyard.yaml's errors read (unions report the branch that got furthest). */
function streamIssues(error: ZodError, prefix: PropertyKey[]): string[] {
  const lines: string[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path].map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        lines.push(`${path}.${key}: unknown field (check its spelling and indentation)`);
    } else {
      lines.push(`${path}: ${issue.message.replace(/^Invalid input: /, '')}`);
    }
  }
  return lines;
}
