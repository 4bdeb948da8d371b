/**
 * Paired bootstrap confidence interval of the mean difference between two runs over the same items:
 * resample the per-item differences (candidate − baseline) with replacement, take the mean of each
 * resample, and read the interval off the percentiles. Seeded, so the same data give the same interval.
 */
import { seededRandom } from './random.ts';

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

export function pairedBootstrap(differences: readonly number[], options: BootstrapOptions = {}): BootstrapInterval {
  const confidence = options.confidence ?? 0.95;
  const resamples = options.resamples ?? 2000;
  const n = differences.length;
  if (n === 0) return { n, meanDelta: null, low: null, high: null, confidence, significant: false };
  let total = 0;
  for (const difference of differences) total += difference;
  const meanDelta = total / n;
  const random = seededRandom(options.seed ?? 1);
  const means = new Float64Array(resamples);
  for (let sample = 0; sample < resamples; sample += 1) {
    let sum = 0;
    for (let draw = 0; draw < n; draw += 1) sum += differences[(random() * n) | 0]!;
    means[sample] = sum / n;
  }
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
