/**
 * Paired comparison of runs over the same items (pure). Items are aligned by content — the dataset
 * item's id, else a hash of its input — and repeat, never by position. For each whole-item metric
 * both runs scored with the same version: the mean of each, the mean paired difference with a 95 %
 * paired-bootstrap interval (at every size: see ./paired-bootstrap.ts), and for pass/fail metrics the
 * exact McNemar test. Then the items that regressed and improved on the primary metric, with the fields
 * whose result flipped. The store aligns the items in SQL (src/evaluations/store/aligned-scores.ts) and
 * hands the aligned values here as typed arrays.
 */
import { exactPairedTest, type ExactPairedTest } from './exact-paired-test.ts';
import { pairedBootstrap, type BootstrapInterval } from './paired-bootstrap.ts';

/** One metric's values over the items both runs have, aligned: NaN for no value, -1 / 0 / 1 for passed null / false / true. */
export interface AlignedMetric {
  metric: string;
  baselineVersion: string | null;
  candidateVersion: string | null;
  baseline: Float64Array;
  candidate: Float64Array;
  baselinePassed: Int8Array;
  candidatePassed: Int8Array;
  /** The items (`key#repeat`), for the metric whose changes are listed. */
  items?: string[];
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
  method: 'bootstrap' | null;
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
  /** Metric for regressed/improved items (default: the first comparable pass/fail or 0–1 metric). */
  primaryMetric?: string;
  /** How many regressed / improved items to list (default 20). */
  itemLimit?: number;
  lowerIsBetter?: (metric: string) => boolean;
}

export function lowerIsBetterByName(metric: string): boolean {
  return /(^|\.)(latency|tokens|prompt|completion|duration|cost)(\.|$)/.test(metric);
}

/** Each metric compared (sorted by name), from its aligned values. */
export function compareMetrics(aligned: readonly AlignedMetric[], options: CompareOptions = {}): MetricComparison[] {
  const lowerIsBetter = options.lowerIsBetter ?? lowerIsBetterByName;
  return [...aligned].sort((a, b) => (a.metric < b.metric ? -1 : 1)).map((entry) => compareMetric(entry, options, lowerIsBetter(entry.metric)));
}

/** The metric whose per-item changes are listed: the option, else the first comparable pass/fail metric, else the first comparable higher-is-better one. */
export function primaryMetricOf(comparisons: readonly MetricComparison[], option?: string): string | null {
  return (
    option ??
    comparisons.find((comparison) => comparison.comparable && comparison.exactTest !== null)?.metric ??
    comparisons.find((comparison) => comparison.comparable && !comparison.lowerIsBetter)?.metric ??
    null
  );
}

function compareMetric(aligned: AlignedMetric, options: CompareOptions, lowerIsBetter: boolean): MetricComparison {
  const { metric, baselineVersion, candidateVersion } = aligned;
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
  const size = aligned.baseline.length;
  const differences = new Float64Array(size);
  const outcomes: [boolean, boolean][] = [];
  let n = 0;
  let baseSum = 0;
  let candSum = 0;
  let binary = size > 0;
  for (let index = 0; index < size; index += 1) {
    const basePassed = aligned.baselinePassed[index]!;
    const candPassed = aligned.candidatePassed[index]!;
    if (basePassed < 0 || candPassed < 0) binary = false;
    else if (binary) outcomes.push([basePassed === 1, candPassed === 1]);
    const baseValue = aligned.baseline[index]!;
    const candValue = aligned.candidate[index]!;
    if (Number.isNaN(baseValue) || Number.isNaN(candValue)) continue;
    differences[n++] = candValue - baseValue;
    baseSum += baseValue;
    candSum += candValue;
  }
  if (n === 0) return { ...empty, reason: 'no item has a value in both runs' };
  const interval = pairedBootstrap(differences.subarray(0, n), { seed: options.seed ?? 1, resamples: options.resamples ?? 2000 });
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
    method: 'bootstrap',
    exactTest,
    significantRegression: worse,
    significantImprovement: better,
  };
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

/**
 * The items whose value changed (both values null: no change; a missing value counts as 0): how many
 * got better and how many worse (`sign` −1 when lower is better), and the `limit` largest changes of each.
 */
export function itemChanges(aligned: AlignedMetric, sign: 1 | -1, limit: number): { improved: { count: number; items: ItemChange[] }; regressed: { count: number; items: ItemChange[] } } {
  const improved: ItemChange[] = [];
  const regressed: ItemChange[] = [];
  const items = aligned.items ?? [];
  for (let index = 0; index < aligned.baseline.length; index += 1) {
    const baseValue = aligned.baseline[index]!;
    const candValue = aligned.candidate[index]!;
    const baseline = Number.isNaN(baseValue) ? null : baseValue;
    const candidate = Number.isNaN(candValue) ? null : candValue;
    if (baseline === null && candidate === null) continue;
    const delta = (candidate ?? 0) - (baseline ?? 0);
    if (delta === 0) continue;
    (delta * sign > 0 ? improved : regressed).push({ item: items[index] ?? String(index), baseline, candidate, delta, fieldsChanged: [] });
  }
  const byMagnitude = (a: ItemChange, b: ItemChange) => Math.abs(b.delta) - Math.abs(a.delta) || (a.item < b.item ? -1 : a.item > b.item ? 1 : 0);
  return {
    improved: { count: improved.length, items: topBy(improved, byMagnitude, limit) },
    regressed: { count: regressed.length, items: topBy(regressed, byMagnitude, limit) },
  };
}

/** The first `limit` of `list` in `order`, without sorting all of it when it is big. */
function topBy<T>(list: T[], order: (a: T, b: T) => number, limit: number): T[] {
  if (list.length <= limit * 8) return list.sort(order).slice(0, limit);
  const top: T[] = [];
  for (const entry of list) {
    if (top.length < limit) {
      top.push(entry);
      if (top.length === limit) top.sort(order);
    } else if (order(entry, top[limit - 1]!) < 0) {
      let at = limit - 1;
      while (at > 0 && order(entry, top[at - 1]!) < 0) at -= 1;
      top.splice(at, 0, entry);
      top.pop();
    }
  }
  return top;
}

/** Fields right in the baseline and wrong in the candidate (a regression), or the reverse (an improvement). */
export function flippedFields(base: Map<string, boolean | null> | undefined, cand: Map<string, boolean | null> | undefined, improved: boolean): string[] {
  if (!base || !cand) return [];
  const changed: string[] = [];
  for (const [field, passed] of base) {
    const now = cand.get(field);
    if (passed === null || now === null || now === undefined) continue;
    if (improved ? !passed && now : passed && !now) changed.push(field);
  }
  return changed.sort();
}
