/**
 * Paired bootstrap confidence interval of the mean difference between two runs over the same items:
 * resample the per-item differences (candidate − baseline) with replacement, take the mean of each
 * resample, and read the interval off the percentiles. Seeded, so the same data give the same interval.
 *
 * Fast at any size, and exact: when the differences take few distinct values (pass/fail metrics: −1, 0, 1;
 * F1 over a handful of facts; token counts), a resample is how many times each value is drawn — a
 * multinomial, drawn as a chain of exact binomials, so its cost does not grow with the number of items.
 * Otherwise the differences sit in a Float64Array and each resample is one tight loop of an inlined
 * xorshift draw and an add (no allocation, no call).
 */
import { seededRandom } from './random.ts';
import { sampleBinomial } from './sample-binomial.ts';

export interface BootstrapOptions {
  /** Default 2,000. */
  resamples?: number;
  /** Default 0.95. */
  confidence?: number;
  /** Default 1. */
  seed?: number;
}

export interface BootstrapInterval {
  n: number;
  meanDelta: number | null;
  low: number | null;
  high: number | null;
  confidence: number;
  /** The interval excludes zero. */
  significant: boolean;
}

export function pairedBootstrap(differences: ArrayLike<number>, options: BootstrapOptions = {}): BootstrapInterval {
  const confidence = options.confidence ?? 0.95;
  const resamples = options.resamples ?? 2000;
  const n = differences.length;
  if (n === 0) return { n, meanDelta: null, low: null, high: null, confidence, significant: false };
  const values = differences instanceof Float64Array ? differences : Float64Array.from(differences as ArrayLike<number>);
  let total = 0;
  for (let index = 0; index < n; index += 1) total += values[index]!;
  const meanDelta = total / n;
  const means = resampleMeans(values, resamples, (options.seed ?? 1) >>> 0);
  means.sort();
  const alpha = (1 - confidence) / 2;
  const at = (q: number) => {
    const position = (resamples - 1) * q;
    const lower = Math.floor(position);
    return means[lower]! + (means[Math.ceil(position)]! - means[lower]!) * (position - lower);
  };
  const low = at(alpha);
  const high = at(1 - alpha);
  return { n, meanDelta, low, high, confidence, significant: low > 0 || high < 0 };
}

/** Above this many distinct differences, resample the items themselves; at or below, the counts per value. */
const maxCategories = 4096;

/**
 * The means of `resamples` resamples with replacement. Few distinct values: a resample is a multinomial
 * draw of n over the values' frequencies, made exactly as a chain of binomials (O(values) per resample).
 * Otherwise n indices per resample from an inlined xorshift32 stream (seeded through mulberry32).
 */
function resampleMeans(values: Float64Array, resamples: number, seed: number): Float64Array {
  const n = values.length;
  const means = new Float64Array(resamples);
  const uniform = seededRandom(seed);
  const categories = countValues(values, Math.min(maxCategories, n >> 4));
  if (categories) {
    const { distinct, counts } = categories;
    for (let sample = 0; sample < resamples; sample += 1) {
      let left = n;
      let weightLeft = n;
      let sum = 0;
      for (let category = 0; category < distinct.length && left > 0; category += 1) {
        const weight = counts[category]!;
        const drawn = category === distinct.length - 1 ? left : sampleBinomial(left, weight / weightLeft, uniform);
        sum += drawn * distinct[category]!;
        left -= drawn;
        weightLeft -= weight;
      }
      means[sample] = sum / n;
    }
    return means;
  }
  let state = (Math.floor(uniform() * 4294967296) | 0) || 1;
  const scale = n / 4294967296;
  for (let sample = 0; sample < resamples; sample += 1) {
    let sum = 0;
    for (let draw = 0; draw < n; draw += 1) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      sum += values[((state >>> 0) * scale) | 0]!;
    }
    means[sample] = sum / n;
  }
  return means;
}

/** The distinct values and how often each occurs, or null when there are more than `limit`. */
function countValues(values: Float64Array, limit: number): { distinct: Float64Array; counts: Float64Array } | null {
  const index = new Map<number, number>();
  const counts: number[] = [];
  for (let position = 0; position < values.length; position += 1) {
    const value = values[position]!;
    const code = index.get(value);
    if (code !== undefined) counts[code]! += 1;
    else {
      if (index.size >= limit) return null;
      index.set(value, counts.length);
      counts.push(1);
    }
  }
  return { distinct: Float64Array.from(index.keys()), counts: Float64Array.from(counts) };
}
