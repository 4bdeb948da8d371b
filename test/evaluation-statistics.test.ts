import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { aggregateScores, runTotals } from '../src/evaluations/statistics/aggregate-scores.ts';
import { exactMcNemar, exactPairedTest } from '../src/evaluations/statistics/exact-paired-test.ts';
import { pairedBootstrap } from '../src/evaluations/statistics/paired-bootstrap.ts';
import { sampleBinomial } from '../src/evaluations/statistics/sample-binomial.ts';
import { seededRandom } from '../src/evaluations/statistics/random.ts';
import { quantile, summarize } from '../src/evaluations/statistics/summarize.ts';

describe('summaries', () => {
  test('count, mean, min/max, p50/p95, sample standard deviation, histogram', () => {
    const summary = summarize([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(summary.count, 10);
    assert.equal(summary.mean, 5.5);
    assert.equal(summary.min, 1);
    assert.equal(summary.max, 10);
    assert.equal(summary.p50, 5.5);
    assert.ok(Math.abs(summary.p95! - 9.55) < 1e-12);
    assert.ok(Math.abs(summary.std! - 3.0276503540974917) < 1e-12);
    assert.equal(summary.histogram.counts.reduce((a, b) => a + b, 0), 10);
    assert.equal(summary.histogram.edges.length, 11);
    assert.deepEqual(summarize([]).mean, null);
    assert.deepEqual(summarize([3, 3]).histogram, { edges: [3, 3], counts: [2] });
    assert.equal(quantile([5], 0.95), 5);
  });

  test('aggregates per metric and field, with pass rate and version; run totals', () => {
    const aggregates = aggregateScores([
      { metric: 'm', field: null, value: 1, passed: true, metricVersion: 'v1' },
      { metric: 'm', field: null, value: 0, passed: false, metricVersion: 'v1' },
      { metric: 'm', field: 'a', value: 1, passed: true, metricVersion: 'v1' },
      { metric: 'm', field: null, value: null, passed: null, metricVersion: 'v1' },
    ]);
    assert.deepEqual(aggregates.map((row) => [row.metric, row.field, row.count, row.mean, row.passRate]), [
      ['m', '', 2, 0.5, 0.5],
      ['m', 'a', 1, 1, 1],
    ]);
    assert.deepEqual(runTotals([{ output: {}, error: null }, { output: null, error: 'x' }, { output: {}, error: null }]), { itemCount: 3, successCount: 2, successRate: 2 / 3 });
  });
});

describe('paired statistics', () => {
  test('the exact McNemar p-value matches the binomial by hand', () => {
    // b=1, c=9: 2 * (C(10,0)+C(10,1)) / 2^10 = 22/1024.
    assert.ok(Math.abs(exactMcNemar(1, 9).pValue - 22 / 1024) < 1e-12);
    assert.equal(exactMcNemar(5, 5).pValue, 1);
    assert.equal(exactMcNemar(0, 0).pValue, 1);
    assert.ok(exactMcNemar(0, 2000).pValue < 1e-300 || exactMcNemar(0, 2000).pValue === 0);
    const test = exactPairedTest([[true, true], [true, false], [false, true], [false, true], [null, true]]);
    assert.deepEqual([test.baselineOnly, test.candidateOnly], [1, 2]);
  });

  test('the bootstrap is seeded, centred on the mean difference, and significant only when it excludes zero', () => {
    const differences = Array.from({ length: 200 }, (_, index) => (index % 4 === 0 ? 1 : 0));
    const first = pairedBootstrap(differences, { seed: 7 });
    assert.deepEqual(first, pairedBootstrap(differences, { seed: 7 }));
    assert.equal(first.meanDelta, 0.25);
    assert.ok(first.low! < 0.25 && first.high! > 0.25 && first.low! > 0, JSON.stringify(first));
    assert.equal(first.significant, true);
    const noise = pairedBootstrap([1, -1, 1, -1, 0, 0, 1, -1], { seed: 1 });
    assert.equal(noise.significant, false);
    assert.equal(pairedBootstrap([]).meanDelta, null);
  });

  test('the 95% interval covers a known true difference about 95% of the time', () => {
    // 300 simulated experiments of 40 paired items: candidate = baseline + 0.1 + noise. The true mean
    // difference is 0.1. The percentile bootstrap is a little narrow at small n, so 0.88–0.99 is accepted;
    // a broken interval (no pairing, wrong percentiles, unseeded) lands far outside.
    const random = seededRandom(2026);
    const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const experiments = 300;
    let covered = 0;
    for (let experiment = 0; experiment < experiments; experiment += 1) {
      const differences = Array.from({ length: 40 }, () => 0.1 + 0.3 * gaussian());
      const interval = pairedBootstrap(differences, { resamples: 500, seed: experiment + 1 });
      if (interval.low! <= 0.1 && 0.1 <= interval.high!) covered += 1;
    }
    const coverage = covered / experiments;
    assert.ok(coverage >= 0.88 && coverage <= 0.99, `coverage ${coverage}`);
  });

  test('binomial variates follow the binomial distribution, by inversion and by BTRD', () => {
    const random = seededRandom(11);
    for (const [n, p] of [[60, 0.1], [200, 0.3], [100_000, 0.7], [5_000, 0.001]] as const) {
      const draws = 20_000;
      let sum = 0;
      let squares = 0;
      const counts = new Map<number, number>();
      for (let index = 0; index < draws; index += 1) {
        const k = sampleBinomial(n, p, random);
        assert.ok(Number.isInteger(k) && k >= 0 && k <= n);
        sum += k;
        squares += k * k;
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
      const mean = sum / draws;
      const variance = squares / draws - mean * mean;
      const expectedVariance = n * p * (1 - p);
      assert.ok(Math.abs(mean - n * p) < 5 * Math.sqrt(expectedVariance / draws), `n ${n} p ${p}: mean ${mean}`);
      assert.ok(Math.abs(variance / expectedVariance - 1) < 0.06, `n ${n} p ${p}: variance ${variance} vs ${expectedVariance}`);
      if (n === 200) {
        // The mode's probability, exactly: C(200, 60) 0.3^60 0.7^140.
        let logChoose = 0;
        for (let i = 1; i <= 60; i += 1) logChoose += Math.log((200 - 60 + i) / i);
        const pmf = Math.exp(logChoose + 60 * Math.log(0.3) + 140 * Math.log(0.7));
        const seen = (counts.get(60) ?? 0) / draws;
        assert.ok(Math.abs(seen - pmf) < 5 * Math.sqrt(pmf / draws), `P(60) ${seen} vs ${pmf}`);
      }
    }
  });

  test('big runs: the count-based bootstrap covers the truth and agrees with resampling the items', () => {
    // Pass/fail differences (−1, 0, 1 with probabilities 0.1, 0.75, 0.15: true mean 0.05), 2,000 pairs:
    // resampled as counts per value. Coverage over 200 experiments, and the same interval as resampling
    // the items one by one (forced by a negligible jitter that makes every value distinct).
    const random = seededRandom(7);
    let covered = 0;
    for (let experiment = 0; experiment < 200; experiment += 1) {
      const differences = Array.from({ length: 2000 }, () => {
        const u = random();
        return u < 0.1 ? -1 : u < 0.85 ? 0 : 1;
      });
      const interval = pairedBootstrap(differences, { resamples: 500, seed: experiment + 1 });
      if (interval.low! <= 0.05 && 0.05 <= interval.high!) covered += 1;
      if (experiment < 3) {
        const jittered = pairedBootstrap(differences.map((value, index) => value + index * 1e-12), { resamples: 2000, seed: 3 });
        const counted = pairedBootstrap(differences, { resamples: 2000, seed: 3 });
        const width = counted.high! - counted.low!;
        assert.ok(Math.abs(jittered.low! - counted.low!) < 0.1 * width && Math.abs(jittered.high! - counted.high!) < 0.1 * width, `${JSON.stringify(jittered)} vs ${JSON.stringify(counted)}`);
      }
    }
    assert.ok(covered / 200 >= 0.9 && covered / 200 <= 0.99, `coverage ${covered / 200}`);
  });
});
