/**
 * Paired comparison of runs over the same items (pure). Items are aligned by content — the dataset
 * item's id, else a hash of its input — and repeat, never by position. For each whole-item metric
 * both runs scored with the same version: the mean of each, the mean paired difference with a 95 %
 * interval (paired bootstrap; above `normalAbove` pairs the normal interval, which the bootstrap
 * converges to, to keep big comparisons fast), and for pass/fail metrics the exact McNemar test. Then
 * the items that regressed and improved on the primary metric, with the fields whose result flipped.
 */
import { exactPairedTest, type ExactPairedTest } from './exact-paired-test.ts';
import { pairedBootstrap, type BootstrapInterval } from './paired-bootstrap.ts';

export interface RunScores {
  runId: string;
  /** metric → version. */
  versions: Map<string, string>;
  /** metric → item (`key#repeat`) → [value, passed]. */
  whole: Map<string, Map<string, readonly [number | null, boolean | null]>>;
  /** item → field → passed, for per-field and per-key scores. */
  fields: Map<string, Map<string, boolean | null>>;
  /** Every item of the run (`key#repeat`). */
  items: Set<string>;
}

export interface MetricComparison {
  metric: string;
  comparable: boolean;
  /** Why not, when not (versions differ, or no pairs). */
  reason?: string;
  baselineVersion: string | null;
  candidateVersion: string | null;
  pairs: number;
  baselineMean: number | null;
  candidateMean: number | null;
  delta: number | null;
  interval: BootstrapInterval | null;
  method: 'bootstrap' | 'normal' | null;
  exactTest: ExactPairedTest | null;
  /** Lower is better for this metric (latency, tokens). */
  lowerIsBetter: boolean;
  /** The interval excludes zero on the bad side. */
  significantRegression: boolean;
  significantImprovement: boolean;
}

export interface ItemChange {
  item: string;
  baseline: number | null;
  candidate: number | null;
  delta: number;
  /** Fields right in the baseline and wrong in the candidate (regression), or the reverse. */
  fieldsChanged: string[];
}

export interface PairComparison {
  baselineRunId: string;
  candidateRunId: string;
  aligned: number;
  onlyInBaseline: number;
  onlyInCandidate: number;
  metrics: MetricComparison[];
  primaryMetric: string | null;
  regressed: { count: number; items: ItemChange[] };
  improved: { count: number; items: ItemChange[] };
}

export interface CompareOptions {
  seed?: number;
  resamples?: number;
  normalAbove?: number;
  /** Metric for regressed/improved items (default: the first comparable pass/fail or 0–1 metric). */
  primaryMetric?: string;
  /** How many regressed / improved items to list (default 20). */
  itemLimit?: number;
  lowerIsBetter?: (metric: string) => boolean;
}

export function lowerIsBetterByName(metric: string): boolean {
  return /(^|\.)(latency|tokens|prompt|completion|duration|cost)(\.|$)/.test(metric);
}

export function comparePair(baseline: RunScores, candidate: RunScores, options: CompareOptions = {}): PairComparison {
  const lowerIsBetter = options.lowerIsBetter ?? lowerIsBetterByName;
  const metrics = [...new Set([...baseline.whole.keys(), ...candidate.whole.keys()])].sort();
  const comparisons = metrics.map((metric) => compareMetric(metric, baseline, candidate, options, lowerIsBetter(metric)));
  const primary =
    options.primaryMetric ??
    comparisons.find((comparison) => comparison.comparable && comparison.exactTest !== null)?.metric ??
    comparisons.find((comparison) => comparison.comparable && !comparison.lowerIsBetter)?.metric ??
    null;
  let aligned = 0;
  for (const item of baseline.items) if (candidate.items.has(item)) aligned += 1;
  const regressed: ItemChange[] = [];
  const improved: ItemChange[] = [];
  if (primary) {
    const base = baseline.whole.get(primary) ?? new Map();
    const cand = candidate.whole.get(primary) ?? new Map();
    const sign = lowerIsBetter(primary) ? -1 : 1;
    for (const [item, [baseValue]] of base) {
      const candidateEntry = cand.get(item);
      if (!candidateEntry) continue;
      const candValue = candidateEntry[0];
      if (baseValue === null && candValue === null) continue;
      const delta = (candValue ?? 0) - (baseValue ?? 0);
      if (delta === 0) continue;
      const change: ItemChange = { item, baseline: baseValue, candidate: candValue, delta, fieldsChanged: [] };
      const better = delta * sign > 0;
      change.fieldsChanged = flippedFields(baseline.fields.get(item), candidate.fields.get(item), better);
      (better ? improved : regressed).push(change);
    }
  }
  const limit = options.itemLimit ?? 20;
  const byMagnitude = (a: ItemChange, b: ItemChange) => Math.abs(b.delta) - Math.abs(a.delta) || (a.item < b.item ? -1 : 1);
  return {
    baselineRunId: baseline.runId,
    candidateRunId: candidate.runId,
    aligned,
    onlyInBaseline: baseline.items.size - aligned,
    onlyInCandidate: candidate.items.size - aligned,
    metrics: comparisons,
    primaryMetric: primary,
    regressed: { count: regressed.length, items: regressed.sort(byMagnitude).slice(0, limit) },
    improved: { count: improved.length, items: improved.sort(byMagnitude).slice(0, limit) },
  };
}

function flippedFields(base: Map<string, boolean | null> | undefined, cand: Map<string, boolean | null> | undefined, improved: boolean): string[] {
  if (!base || !cand) return [];
  const changed: string[] = [];
  for (const [field, passed] of base) {
    const now = cand.get(field);
    if (passed === null || now === null || now === undefined) continue;
    if (improved ? !passed && now : passed && !now) changed.push(field);
  }
  return changed.sort();
}

function compareMetric(metric: string, baseline: RunScores, candidate: RunScores, options: CompareOptions, lowerIsBetter: boolean): MetricComparison {
  const baselineVersion = baseline.versions.get(metric) ?? null;
  const candidateVersion = candidate.versions.get(metric) ?? null;
  const empty: MetricComparison = {
    metric,
    comparable: false,
    baselineVersion,
    candidateVersion,
    pairs: 0,
    baselineMean: null,
    candidateMean: null,
    delta: null,
    interval: null,
    method: null,
    exactTest: null,
    lowerIsBetter,
    significantRegression: false,
    significantImprovement: false,
  };
  if (baselineVersion === null || candidateVersion === null) return { ...empty, reason: `only one run has ${metric}` };
  if (baselineVersion !== candidateVersion) return { ...empty, reason: `the metric changed (${baselineVersion} vs ${candidateVersion}): not comparable` };
  const base = baseline.whole.get(metric)!;
  const cand = candidate.whole.get(metric)!;
  const differences: number[] = [];
  const outcomes: [boolean | null, boolean | null][] = [];
  let baseSum = 0;
  let candSum = 0;
  let binary = true;
  for (const [item, [baseValue, basePassed]] of base) {
    const entry = cand.get(item);
    if (!entry) continue;
    const [candValue, candPassed] = entry;
    if (basePassed === null || candPassed === null) binary = false;
    else outcomes.push([basePassed, candPassed]);
    if (baseValue === null || candValue === null) continue;
    differences.push(candValue - baseValue);
    baseSum += baseValue;
    candSum += candValue;
  }
  if (differences.length === 0) return { ...empty, reason: 'no item has a value in both runs' };
  const n = differences.length;
  const normal = n > (options.normalAbove ?? 5000);
  const interval = normal ? normalInterval(differences) : pairedBootstrap(differences, { seed: options.seed ?? 1, resamples: options.resamples ?? 2000 });
  const exactTest = binary && outcomes.length > 0 ? exactPairedTest(outcomes) : null;
  const worse = lowerIsBetter ? interval.low! > 0 : interval.high! < 0;
  const better = lowerIsBetter ? interval.high! < 0 : interval.low! > 0;
  return {
    ...empty,
    comparable: true,
    pairs: n,
    baselineMean: baseSum / n,
    candidateMean: candSum / n,
    delta: interval.meanDelta,
    interval,
    method: normal ? 'normal' : 'bootstrap',
    exactTest,
    significantRegression: worse,
    significantImprovement: better,
  };
}

function normalInterval(differences: readonly number[]): BootstrapInterval {
  const n = differences.length;
  let sum = 0;
  for (const value of differences) sum += value;
  const mean = sum / n;
  let squares = 0;
  for (const value of differences) squares += (value - mean) ** 2;
  const standardError = Math.sqrt(squares / (n - 1) / n);
  const low = mean - 1.959964 * standardError;
  const high = mean + 1.959964 * standardError;
  return { n, meanDelta: mean, low, high, confidence: 0.95, significant: low > 0 || high < 0 };
}

export interface RegressionGate {
  metric?: string;
  /** A regression must be larger than this (absolute, in the metric's unit). Default 0. */
  minDelta?: number;
}

/** The metrics that regressed significantly and by more than minDelta (what --fail-on-regression gates on). */
export function regressions(comparison: PairComparison, gate: RegressionGate = {}): MetricComparison[] {
  const minDelta = gate.minDelta ?? 0;
  return comparison.metrics.filter(
    (metric) => metric.comparable && metric.significantRegression && (gate.metric === undefined || metric.metric === gate.metric) && Math.abs(metric.delta!) > minDelta,
  );
}
