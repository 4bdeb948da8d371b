/**
 * What a name on the left of a comparison refers to. For runs: a run column (`success_rate`,
 * `duration`, `item_count`) or a statistic of a metric's aggregate (`p95_latency` = the p95 of `latency`,
 * `f1` = the mean of `f1`, `pass_rate_exact_match`). A metric name matches a stored metric of that name
 * or one ending in `.<name>` (`f1` matches `facts.f1`).
 */

export const statistics = ['mean', 'min', 'max', 'p50', 'p95', 'std', 'count', 'pass_rate'] as const;
export type Statistic = (typeof statistics)[number];

export type MetricReference =
  | { kind: 'column'; column: 'success_rate' | 'duration_ms' | 'item_count' | 'success_count'; label: string }
  | { kind: 'metric'; metric: string; statistic: Statistic; label: string };

const columnAliases: Record<string, { column: 'success_rate' | 'duration_ms' | 'item_count' | 'success_count'; label: string }> = {
  success_rate: { column: 'success_rate', label: 'the run’s success rate (items with a scorable answer / items)' },
  success: { column: 'success_rate', label: 'the run’s success rate (items with a scorable answer / items)' },
  duration: { column: 'duration_ms', label: 'the run’s duration in ms' },
  duration_ms: { column: 'duration_ms', label: 'the run’s duration in ms' },
  items: { column: 'item_count', label: 'the number of items' },
  item_count: { column: 'item_count', label: 'the number of items' },
  success_count: { column: 'success_count', label: 'the number of items with a scorable answer' },
};

const prefixes: [string, Statistic][] = [
  ['pass_rate_', 'pass_rate'],
  ['average_', 'mean'],
  ['median_', 'p50'],
  ['mean_', 'mean'],
  ['avg_', 'mean'],
  ['p50_', 'p50'],
  ['p95_', 'p95'],
  ['min_', 'min'],
  ['max_', 'max'],
  ['std_', 'std'],
  ['count_', 'count'],
];

export function resolveRunMetric(name: string): MetricReference {
  const column = columnAliases[name];
  if (column) return { kind: 'column', ...column };
  return resolveItemMetricStatistic(name);
}

/** A metric with an optional statistic prefix (used for runs' aggregates). */
export function resolveItemMetricStatistic(name: string): MetricReference & { kind: 'metric' } {
  for (const [prefix, statistic] of prefixes) {
    if (name.startsWith(prefix) && name.length > prefix.length) {
      const metric = name.slice(prefix.length);
      return { kind: 'metric', metric, statistic, label: `the ${statistic} of metric ${metric} (or *.${metric})` };
    }
  }
  return { kind: 'metric', metric: name, statistic: 'mean', label: `the mean of metric ${name} (or *.${name})` };
}
