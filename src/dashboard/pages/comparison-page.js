/**
 * The comparison of two or more evaluation runs against one baseline: for each candidate, every metric's
 * means, the paired delta with its 95 % confidence interval (drawn on an axis centred on zero), the exact
 * test where it applies, and the items that regressed or improved with the fields that changed.
 */
import { formatCount, formatDelta, formatValue, shortId } from '../lib/format.js';
import { html } from '../lib/html.js';
import { useApi } from '../lib/use-api.js';
import { href, navigate } from '../lib/use-route.js';
import { Card } from '../components/card.js';
import { ErrorBox } from '../components/error-box.js';
import { IntervalPlot, intervalDomain } from '../components/interval-plot.js';
import { Loading } from '../components/loading.js';

function verdictOf(metric) {
  if (!metric.comparable) return 'incomparable';
  if (metric.significantRegression) return 'regressed';
  if (metric.significantImprovement) return 'improved';
  return 'same';
}

const verdictText = { regressed: 'regressed', improved: 'improved', same: 'no significant change', incomparable: 'not comparable' };

export function ComparisonPage({ route }) {
  const runIds = (route.query.get('runs') ?? '').split(',').map((id) => id.trim()).filter(Boolean);
  const baseline = route.query.get('baseline') ?? runIds[0];
  const comparison = useApi(runIds.length >= 2 ? '/api/evaluations/compare' : null, { runs: runIds, baseline });
  if (runIds.length < 2) {
    return html`<div data-page="compare"><div class="page-head"><h1>Compare runs</h1></div>
      <p class="card muted">Pick two or more runs on the <a href=${href('/evaluations')}>evaluations</a> page, or open <code>#/evaluations/compare?runs=A,B</code>.</p></div>`;
  }
  if (comparison.error) return html`<${ErrorBox} error=${comparison.error} what="the comparison" />`;
  if (!comparison.data) return html`<${Loading} what="the comparison" />`;
  const { runs, pairs } = comparison.data;
  const nameOf = (id) => runs.find((run) => run.id === id)?.name ?? shortId(id);
  const modelOf = (id) => runs.find((run) => run.id === id)?.model;
  return html`<div data-page="compare">
    <div class="page-head">
      <h1>Compare runs</h1>
      <label class="inline">baseline
        <select aria-label="baseline" onChange=${(event) => navigate('/evaluations/compare', { runs: runIds, baseline: event.target.value })}>
          ${runs.map((run) => html`<option value=${run.id} selected=${run.id === comparison.data.baselineRunId}>${run.name}</option>`)}
        </select>
      </label>
    </div>
    <p class="muted">Baseline <a href=${href(`/evaluations/${comparison.data.baselineRunId}`)}>${nameOf(comparison.data.baselineRunId)}</a>${modelOf(comparison.data.baselineRunId) ? ` (${modelOf(comparison.data.baselineRunId)})` : ''}.
      Deltas are candidate − baseline over the items both runs have, paired by item, with 95 % intervals${comparison.data.cached ? '; cached' : ''}.</p>
    ${pairs.map((pair) => html`<${Card} title=${html`<a href=${href(`/evaluations/${pair.candidateRunId}`)}>${nameOf(pair.candidateRunId)}</a>${modelOf(pair.candidateRunId) ? html` <span class="muted">${modelOf(pair.candidateRunId)}</span>` : null}`}
      actions=${html`<span class="muted small">${formatCount(pair.aligned)} items aligned${pair.onlyInBaseline ? ` · ${pair.onlyInBaseline} only in the baseline` : ''}${pair.onlyInCandidate ? ` · ${pair.onlyInCandidate} only in the candidate` : ''}</span>`}>
      <div class="pair" data-candidate=${pair.candidateRunId}>
        <table class="table compare" data-table="metrics">
          <thead><tr><th>metric</th><th class="num">n</th><th class="num">baseline</th><th class="num">candidate</th><th class="num">delta</th><th class="num">95% interval</th><th>interval</th><th class="num">exact p</th><th>verdict</th></tr></thead>
          <tbody>${pair.metrics.map((metric) => {
            const verdict = verdictOf(metric);
            const row = { delta: metric.delta, low: metric.interval?.low, high: metric.interval?.high };
            return html`<tr data-metric=${metric.metric} data-verdict=${verdict}>
              <td><b>${metric.metric}</b>${metric.lowerIsBetter ? html` <span class="muted small" title="lower is better">↓</span>` : null}</td>
              <td class="num">${formatCount(metric.pairs)}</td>
              <td class="num">${formatValue(metric.baselineMean)}</td>
              <td class="num">${formatValue(metric.candidateMean)}</td>
              <td class=${`num delta ${verdict}`}>${formatDelta(metric.delta)}</td>
              <td class="num nowrap" data-interval>${metric.interval && metric.interval.low !== null ? `[${formatDelta(metric.interval.low)}, ${formatDelta(metric.interval.high)}]` : '–'}</td>
              <td>${metric.comparable ? html`<${IntervalPlot} ...${row} domain=${intervalDomain(row)} verdict=${verdict} />` : html`<span class="muted small">${metric.reason ?? ''}</span>`}</td>
              <td class="num">${metric.exactTest ? metric.exactTest.pValue.toFixed(4) : html`<span class="muted">–</span>`}</td>
              <td><span class=${`verdict ${verdict}`}>${verdictText[verdict]}</span></td>
            </tr>`;
          })}</tbody>
        </table>
        ${pair.primaryMetric
          ? html`<div class="grid two changes">
              ${changeList('Regressed', 'regressed', pair.regressed, pair.primaryMetric)}
              ${changeList('Improved', 'improved', pair.improved, pair.primaryMetric)}
            </div>`
          : null}
      </div>
    </${Card}>`)}
  </div>`;
}

function changeList(title, tone, group, metric) {
  const items = group?.items ?? [];
  return html`<div class=${`change-list ${tone}`} data-changes=${tone}>
    <h3>${title} <span class="muted">${formatCount(group?.count ?? 0)} item${group?.count === 1 ? '' : 's'} by ${metric}</span></h3>
    ${items.length === 0
      ? html`<p class="muted small">None.</p>`
      : html`<table class="table"><thead><tr><th>item</th><th class="num">baseline → candidate</th><th>fields that changed</th></tr></thead>
          <tbody>${items.map((item) => html`<tr data-item=${item.item}>
            <td><code>${item.item.replace(/#0$/, '')}</code></td>
            <td class="num nowrap">${formatValue(item.baseline)} → ${formatValue(item.candidate)}</td>
            <td>${item.fieldsChanged?.length ? item.fieldsChanged.map((field) => html`<code class="field-chip">${field}</code>`) : html`<span class="muted">–</span>`}</td>
          </tr>`)}</tbody></table>`}
  </div>`;
}
