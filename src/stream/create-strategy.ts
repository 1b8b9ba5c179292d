// Builds the strategy a configuration names for one query. The only place that knows every
// implementation; the processor and the consumers see the PartitioningStrategy interface.
import { AlwaysHashStrategy } from './always-hash-strategy.js';
import { partitionsFor, type StrategyConfig, type StreamConfig, workloadStrategy } from './config.js';
import type { PartitioningStrategy } from './partitioning-strategy.js';
import { RoundRobinStrategy } from './round-robin-strategy.js';
import { SmartRepartitionStrategy } from './smart-repartition-strategy.js';
import { StickyStrategy } from './sticky-strategy.js';
import type { StreamQuery } from './stream-query.js';

/**
 * The strategy `config` names, for `query` over `partitions` partitions. Throws a StreamError (0A000)
 * when the strategy cannot serve the query (round_robin under GROUP BY, sticky on a misaligned group).
 *
 * @example
 *   createStrategy({ strategy: 'always_hash', hash: 'murmur2' }, query, 12);
 */
export function createStrategy(
  config: StrategyConfig | { readonly strategy: StrategyConfig['strategy'] },
  query: StreamQuery,
  partitions: number,
): PartitioningStrategy {
  switch (config.strategy) {
    case 'always_hash':
    case 'smart': {
      const { hash, key } = config as { hash?: StrategyConfigHash; key?: readonly string[] };
      const options = { ...(hash ? { hasher: hash } : {}), ...(key ? { key } : {}) };
      return config.strategy === 'smart'
        ? new SmartRepartitionStrategy(query, partitions, options)
        : new AlwaysHashStrategy(query, partitions, options);
    }
    case 'round_robin':
      return new RoundRobinStrategy(query, partitions);
    case 'sticky':
      return new StickyStrategy(query, partitions);
  }
}

type StrategyConfigHash = Extract<StrategyConfig, { strategy: 'smart' }>['hash'];

/** The strategy of the workload called `workload` in a `stream:` section, for `query`. */
export function strategyForWorkload(
  config: StreamConfig,
  workload: string,
  query: StreamQuery,
): PartitioningStrategy {
  const chosen = workloadStrategy(config, workload);
  return createStrategy(chosen, query, partitionsFor(config, chosen));
}
