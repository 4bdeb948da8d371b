/** The text form of `runs compare`: one table per candidate against the baseline, then a runs × metrics table. */
import type { RunComparison } from './store/compare-eval-runs.ts';
import { formatTable } from '../cli/format-table.ts';

const number = (value: number | null | undefined, digits = 4) => (value === null || value === undefined ? '-' : value.toFixed(digits));

export function formatComparison(comparison: RunComparison): string {
  const name = (id: string) => {
    const run = comparison.runs.find((entry) => entry.id === id)!;
    return `${id.slice(0, 8)} "${run.name}"${run.model ? ` (${run.model})` : ''}`;
  };
  const lines = [`Baseline: ${name(comparison.baselineRunId)}${comparison.cached ? '   (from the cache)' : ''}`];
  for (const pair of comparison.pairs) {
    lines.push(
      '',
      `Candidate: ${name(pair.candidateRunId)}`,
      `  ${pair.aligned} items aligned by id or input hash` + (pair.onlyInBaseline + pair.onlyInCandidate > 0 ? `; ${pair.onlyInBaseline} only in the baseline, ${pair.onlyInCandidate} only in the candidate` : ''),
      formatTable(
        ['metric', 'n', 'baseline', 'candidate', 'delta', '95% interval', 'exact test p', 'verdict'],
        pair.metrics.map((metric) =>
          metric.comparable
            ? [
                metric.metric,
                metric.pairs,
                number(metric.baselineMean),
                number(metric.candidateMean),
                `${metric.delta! >= 0 ? '+' : ''}${number(metric.delta)}`,
                `[${number(metric.interval!.low)}, ${number(metric.interval!.high)}]`,
                metric.exactTest ? number(metric.exactTest.pValue) : null,
                metric.significantRegression ? 'REGRESSED' : metric.significantImprovement ? 'improved' : 'no significant change',
              ]
            : [metric.metric, null, null, null, null, null, null, metric.reason ?? 'not comparable'],
        ),
      ),
    );
    if (pair.primaryMetric) {
      lines.push(`  By ${pair.primaryMetric}: ${pair.regressed.count} item${pair.regressed.count === 1 ? '' : 's'} regressed, ${pair.improved.count} improved.`);
      for (const [label, list] of [['regressed', pair.regressed.items], ['improved', pair.improved.items]] as const) {
        for (const change of list) {
          lines.push(`    ${label.padEnd(9)} ${change.item}  ${number(change.baseline, 3)} → ${number(change.candidate, 3)}${change.fieldsChanged.length > 0 ? `  fields: ${change.fieldsChanged.join(', ')}` : ''}`);
        }
      }
    }
  }
  if (comparison.pairs.length > 1) {
    const metrics = [...new Set(comparison.pairs.flatMap((pair) => pair.metrics.filter((metric) => metric.comparable).map((metric) => metric.metric)))].sort();
    lines.push(
      '',
      `Runs × metrics (delta against the baseline ${comparison.baselineRunId.slice(0, 8)}, * = the interval excludes zero):`,
      formatTable(
        ['run', ...metrics],
        [
          [`${comparison.baselineRunId.slice(0, 8)} (baseline)`, ...metrics.map((metric) => number(comparison.pairs[0]!.metrics.find((entry) => entry.metric === metric)?.baselineMean))],
          ...comparison.pairs.map((pair) => [
            pair.candidateRunId.slice(0, 8),
            ...metrics.map((metric) => {
              const entry = pair.metrics.find((candidate) => candidate.metric === metric);
              if (!entry?.comparable) return '-';
              return `${number(entry.candidateMean)} (${entry.delta! >= 0 ? '+' : ''}${number(entry.delta)}${entry.interval!.significant ? '*' : ''})`;
            }),
          ]),
        ],
      ),
    );
  }
  return lines.join('\n');
}
