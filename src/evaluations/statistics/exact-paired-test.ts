/**
 * The exact paired test for pass/fail metrics (exact McNemar, i.e. a two-sided sign test on the
 * discordant pairs): of the items where the two runs disagree, b passed only in the baseline and c only
 * in the candidate; under "no difference" b ~ Binomial(b + c, 1/2).
 */

export interface ExactPairedTest {
  /** Passed in the baseline only. */
  baselineOnly: number;
  /** Passed in the candidate only. */
  candidateOnly: number;
  pValue: number;
}

export function exactMcNemar(baselineOnly: number, candidateOnly: number): ExactPairedTest {
  const n = baselineOnly + candidateOnly;
  if (n === 0) return { baselineOnly, candidateOnly, pValue: 1 };
  const k = Math.min(baselineOnly, candidateOnly);
  // P(X <= k) for X ~ Binomial(n, 1/2), summed in log space so big n neither overflows nor underflows.
  let logCoefficient = 0; // log C(n, 0)
  let tail = 0;
  const logHalfN = n * Math.log(0.5);
  for (let i = 0; i <= k; i += 1) {
    if (i > 0) logCoefficient += Math.log(n - i + 1) - Math.log(i);
    tail += Math.exp(logCoefficient + logHalfN);
  }
  return { baselineOnly, candidateOnly, pValue: Math.min(1, 2 * tail) };
}

/** The test over paired outcomes (baseline, candidate), skipping pairs where either is unknown. */
export function exactPairedTest(pairs: Iterable<readonly [boolean | null, boolean | null]>): ExactPairedTest {
  let baselineOnly = 0;
  let candidateOnly = 0;
  for (const [baseline, candidate] of pairs) {
    if (baseline === null || candidate === null || baseline === candidate) continue;
    if (baseline) baselineOnly += 1;
    else candidateOnly += 1;
  }
  return exactMcNemar(baselineOnly, candidateOnly);
}
