/**
 * Per-run aggregates: every (metric, field) pair's summary over the run's items, the pass rate, and the
 * metric's version — so two runs scored with different versions of a metric are told apart.
 */
import type { MetricScore } from '../metrics/metric.ts';
import { passRate, summarize, type Summary } from './summarize.ts';

export interface ScoredRow extends MetricScore {
  metricVersion: string;
}

export interface MetricAggregate extends Summary {
  metric: string;
  /** '' for the item as a whole; a JSON path for a per-field or per-key score. */
  field: string;
  metricVersion: string;
  passRate: number | null;
}

export function aggregateScores(rows: Iterable<ScoredRow>): MetricAggregate[] {
  const groups = new Map<string, { metric: string; field: string; version: string; values: number[]; passed: (boolean | null)[] }>();
  for (const row of rows) {
    const field = row.field ?? '';
    const key = `${row.metric}\u0000${field}`;
    let group = groups.get(key);
    if (!group) {
      group = { metric: row.metric, field, version: row.metricVersion, values: [], passed: [] };
      groups.set(key, group);
    }
    if (row.value !== null) group.values.push(row.value);
    group.passed.push(row.passed);
  }
  return [...groups.values()]
    .sort((a, b) => (a.metric === b.metric ? (a.field < b.field ? -1 : 1) : a.metric < b.metric ? -1 : 1))
    .map((group) => ({ metric: group.metric, field: group.field, metricVersion: group.version, passRate: passRate(group.passed), ...summarize(group.values) }));
}

export interface ItemOutcome {
  output: unknown;
  error: string | null;
}

export interface RunTotals {
  itemCount: number;
  /** Items that produced a scorable answer. */
  successCount: number;
  successRate: number | null;
}

export function runTotals(items: readonly ItemOutcome[]): RunTotals {
  const successCount = items.filter((item) => item.error === null && item.output !== null && item.output !== undefined).length;
  return { itemCount: items.length, successCount, successRate: items.length === 0 ? null : successCount / items.length };
}
