/**
 * Descriptive statistics of one metric's values over a run's items: count, mean, min/max, p50/p95,
 * standard deviation (sample, n − 1), a histogram, and the pass rate of the items that have pass/fail.
 */

export interface Histogram {
  /** Bin edges, `bins + 1` of them, from the minimum to the maximum value. */
  edges: number[];
  counts: number[];
}

export interface Summary {
  count: number;
  mean: number | null;
  min: number | null;
  max: number | null;
  p50: number | null;
  p95: number | null;
  std: number | null;
  histogram: Histogram;
}

/** The q-quantile (0–1) of sorted values, linearly interpolated between order statistics (type 7). */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower]!;
  return low + (sorted[upper]! - low) * (position - lower);
}

export function summarize(values: readonly number[], bins = 10): Summary {
  const finite = values.filter((value) => Number.isFinite(value));
  const count = finite.length;
  if (count === 0) return { count: 0, mean: null, min: null, max: null, p50: null, p95: null, std: null, histogram: { edges: [], counts: [] } };
  const sorted = [...finite].sort((a, b) => a - b);
  let sum = 0;
  for (const value of sorted) sum += value;
  const mean = sum / count;
  let squares = 0;
  for (const value of sorted) squares += (value - mean) ** 2;
  const std = count > 1 ? Math.sqrt(squares / (count - 1)) : 0;
  return {
    count,
    mean,
    min: sorted[0]!,
    max: sorted[count - 1]!,
    p50: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    std,
    histogram: histogram(sorted, bins),
  };
}

/** Equal-width bins from min to max (the last bin includes the maximum); one bin when all values are equal. */
export function histogram(sorted: readonly number[], bins: number): Histogram {
  const min = sorted[0]!;
  const max = sorted[sorted.length - 1]!;
  if (min === max) return { edges: [min, max], counts: [sorted.length] };
  const width = (max - min) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, index) => (index === bins ? max : min + index * width));
  const counts = new Array<number>(bins).fill(0);
  for (const value of sorted) counts[Math.min(bins - 1, Math.floor((value - min) / width))]! += 1;
  return { edges, counts };
}

/** Fraction of true among the non-null outcomes; null when there are none. */
export function passRate(outcomes: readonly (boolean | null)[]): number | null {
  let known = 0;
  let passed = 0;
  for (const outcome of outcomes) {
    if (outcome === null) continue;
    known += 1;
    if (outcome) passed += 1;
  }
  return known === 0 ? null : passed / known;
}
