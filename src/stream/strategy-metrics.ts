// Counters every partitioning strategy keeps, as a plain object the hot path increments; a later
// issue exposes them to Prometheus. `summarizeStrategyMetrics` derives the shares people read.

/** Counters of one strategy instance. All are totals since it was created. */
export interface StrategyMetrics {
  /** Routing decisions made. */
  routed: number;
  /** Decisions that used the source shard as the partition without reading a key (the zero-cost path). */
  zeroCost: number;
  /** Decisions that hashed the key (the repartition path). */
  repartitioned: number;
  /** Events sent to a partition other than their source partition (shard id mod N). */
  moved: number;
  /** Nanoseconds spent in `routeBatch` (single `route` calls are counted, not timed). */
  routeNanos: number;
  /** Decisions made inside `routeBatch`, the ones `routeNanos` covers. */
  timedDecisions: number;
}

/** Zeroed counters. */
export function newStrategyMetrics(): StrategyMetrics {
  return { routed: 0, zeroCost: 0, repartitioned: 0, moved: 0, routeNanos: 0, timedDecisions: 0 };
}

/** The counters with the figures derived from them. */
export interface StrategyMetricsSummary extends Readonly<StrategyMetrics> {
  readonly strategy: string;
  /** zeroCost / routed (0 before any decision). */
  readonly zeroCostShare: number;
  /** moved / routed. */
  readonly movedShare: number;
  /** Mean routing time of a timed decision, in nanoseconds. */
  readonly meanRouteNanos: number;
}

/** A copy of `metrics` with shares and means, for logs, metrics endpoints and benchmarks. */
export function summarizeStrategyMetrics(strategy: string, metrics: StrategyMetrics): StrategyMetricsSummary {
  const share = (n: number) => (metrics.routed === 0 ? 0 : n / metrics.routed);
  return {
    strategy,
    ...metrics,
    zeroCostShare: share(metrics.zeroCost),
    movedShare: share(metrics.moved),
    meanRouteNanos: metrics.timedDecisions === 0 ? 0 : metrics.routeNanos / metrics.timedDecisions,
  };
}
