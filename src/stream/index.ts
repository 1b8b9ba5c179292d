// The stream layer's public surface: partitioning strategies, their configuration and metrics, and
// the partitioned processor that runs a handler per partition on worker threads.
export {
  AlwaysHashStrategy,
  type HashOptions,
} from './always-hash-strategy.js';
export {
  DEFAULT_STREAM_CONFIG,
  parseStreamConfig,
  parseStreamYaml,
  partitionsFor,
  type StrategyConfig,
  type StreamConfig,
  strategyConfigSchema,
  streamConfigSchema,
  workloadStrategy,
} from './config.js';
export { createStrategy, strategyForWorkload } from './create-strategy.js';
export {
  type KeyPartitioner,
  type KeyPartitionerOptions,
  keyPartitioner,
  MAX_PARTITIONS,
} from './key-partitioner.js';
export type {
  HandlerSpec,
  PartitionContext,
  PartitionHandler,
  PartitionHandlerFactory,
} from './partition-handler.js';
export { defineHandler } from './partition-handler.js';
export type { LaneState, PartitionMetrics } from './partition-lane.js';
export {
  PartitionedProcessor,
  type ProcessorMetrics,
  type ProcessorOptions,
} from './partitioned-processor.js';
export {
  type PartitioningStrategy,
  STRATEGY_NAMES,
  type StrategyName,
} from './partitioning-strategy.js';
export { RoundRobinStrategy } from './round-robin-strategy.js';
export {
  changeEventAccess,
  type EventAccess,
  type RoutableEvent,
  type Row,
  type RowChange,
  routableEventAccess,
  rowOfChange,
} from './routable-event.js';
export { SmartRepartitionStrategy } from './smart-repartition-strategy.js';
export { StickyStrategy } from './sticky-strategy.js';
export {
  newStrategyMetrics,
  type StrategyMetrics,
  type StrategyMetricsSummary,
  summarizeStrategyMetrics,
} from './strategy-metrics.js';
export { StreamError, StreamErrorCode } from './stream-errors.js';
export { isSourceAligned, type StreamQuery, streamQueryFor } from './stream-query.js';
