/** One evaluation run: its settings, each metric's distribution as a histogram, per-field accuracy, and its worst items. */
import { camelKeys } from '../lib/camel-keys.js';
import { formatCount, formatMs, formatPercent, formatTime, formatValue, shortId } from '../lib/format.js';
import { html } from '../lib/html.js';
import { useApi } from '../lib/use-api.js';
import { href } from '../lib/use-route.js';
import { Card } from '../components/card.js';
import { ErrorBox } from '../components/error-box.js';
import { HistogramChart } from '../components/histogram-chart.js';
import { JsonView } from '../components/json-view.js';
import { Loading } from '../components/loading.js';
import { StatusBadge } from '../components/status-badge.js';

export function EvaluationRunPage({ route }) {
  const id = route.params.id;
  const details = useApi(`/api/evaluations/runs/${encodeURIComponent(id)}`);
  if (details.error) return html`<${ErrorBox} error=${details.error} what=${`run ${id}`} />`;
  if (!details.data) return html`<${Loading} what=${`run ${id}`} />`;
  const run = camelKeys(details.data.run);
  const aggregates = (details.data.aggregates ?? []).map(camelKeys);
  const whole = aggregates.filter((aggregate) => aggregate.field === '' || aggregate.field === null || aggregate.field === undefined);
  const perField = aggregates.filter((aggregate) => aggregate.field);
  const worst = (details.data.worstItems ?? []).map(camelKeys);
  const worstBy = details.data.worstBy;
  return html`<div data-page="evaluation" data-run=${run.id}>
    <div class="page-head">
      <h1>${run.name} <${StatusBadge} status=${run.status} /></h1>
      <div class="actions"><a class="button ghost" href=${href('/evaluations', { q: run.project ? `project:${run.project}` : undefined })}>Other runs${run.project ? ` of ${run.project}` : ''}</a></div>
    </div>
    <div class="tiles">
      <div class="stat-tile"><span class="stat-value">${formatCount(run.itemCount)}</span><span class="stat-label">items</span></div>
      <div class="stat-tile"><span class="stat-value">${formatPercent(run.successRate)}</span><span class="stat-label">with a scorable answer</span></div>
      <div class="stat-tile"><span class="stat-value">${formatMs(run.durationMs)}</span><span class="stat-label">duration</span></div>
      <div class="stat-tile"><span class="stat-value">${run.model ?? '–'}</span><span class="stat-label">model</span></div>
    </div>
    <${Card} title="Run">
      <dl class="fields">
        <dt>id</dt><dd><code>${run.id}</code></dd>
        ${run.description ? html`<dt>description</dt><dd>${run.description}</dd>` : null}
        <dt>project</dt><dd>${run.project ?? '–'}</dd>
        <dt>dataset</dt><dd>${run.dataset ?? '–'}</dd>
        <dt>interrogation</dt><dd>${run.interrogation ?? '–'}</dd>
        <dt>by</dt><dd>${run.createdBy ?? '–'}</dd>
        <dt>created</dt><dd>${formatTime(run.createdAt)}</dd>
        <dt>tags</dt><dd>${(details.data.tags ?? []).map((tag) => html`<a class="tag" href=${href('/evaluations', { q: `tag:${tag}` })}>${tag}</a>`)}</dd>
        ${run.error ? html`<dt>error</dt><dd class="error-text">${run.error}</dd>` : null}
      </dl>
    </${Card}>
    <${Card} title="Metrics">
      <div class="histograms">
        ${whole.map((aggregate) => html`<div class="metric-card" data-metric-card=${aggregate.metric}>
          <div class="metric-head"><b>${aggregate.metric}</b><span class="muted small">${aggregate.metricVersion ?? ''}</span></div>
          <div class="metric-figures">
            <span>mean <b>${formatValue(aggregate.mean)}</b></span>
            ${aggregate.passRate !== null && aggregate.passRate !== undefined ? html`<span>pass <b>${formatPercent(aggregate.passRate)}</b></span>` : null}
            <span>p50 <b>${formatValue(aggregate.p50)}</b></span><span>p95 <b>${formatValue(aggregate.p95)}</b></span><span class="muted">n ${formatCount(aggregate.count)}</span>
          </div>
          <${HistogramChart} histogram=${typeof aggregate.histogram === 'string' ? JSON.parse(aggregate.histogram) : aggregate.histogram} label=${aggregate.metric} />
        </div>`)}
      </div>
    </${Card}>
    ${perField.length > 0
      ? html`<${Card} title="Per field">
          <table class="table"><thead><tr><th>field / key</th><th>metric</th><th class="num">n</th><th>right</th></tr></thead>
          <tbody>${perField.map((aggregate) => html`<tr><td><code>${aggregate.field}</code></td><td>${aggregate.metric}</td><td class="num">${formatCount(aggregate.count)}</td>
            <td><div class="meter"><div class="meter-bar"><div style=${`width:${Number(aggregate.mean ?? 0) * 100}%`}></div></div><span>${formatPercent(aggregate.mean)}</span></div></td></tr>`)}</tbody></table>
        </${Card}>`
      : null}
    <${Card} title=${worstBy ? `Worst items by ${worstBy}` : 'Worst items'}>
      ${worst.length === 0
        ? html`<p class="muted">No scored items.</p>`
        : html`<table class="table" data-table="worst-items"><thead><tr><th>item</th><th class="num">${worstBy ?? 'score'}</th><th>wrong fields</th><th>answer</th></tr></thead>
            <tbody>${worst.map((item) => {
              const scores = (item.scores ?? []).map(camelKeys);
              const score = scores.find((entry) => entry.metric === worstBy && !entry.field);
              const wrong = scores.filter((entry) => entry.field && entry.passed === 0).map((entry) => entry.field);
              return html`<tr data-item=${item.itemKey}>
                <td><code>${item.itemKey}${item.repeat > 0 ? `#${item.repeat}` : ''}</code>${item.jobId ? html` <a class="muted small" href=${href(`/jobs/${item.jobId}`)}>job ${item.jobId}</a>` : null}</td>
                <td class="num">${formatValue(score?.value)}</td>
                <td>${wrong.length ? wrong.map((field) => html`<code class="field-chip">${field}</code>`) : html`<span class="muted">–</span>`}${item.error ? html`<div class="error-text small">${item.error}</div>` : null}</td>
                <td><details><summary class="muted small">expected / answer</summary><div class="grid two"><${JsonView} value=${item.expected} maxHeight="16rem" /><${JsonView} value=${item.output} maxHeight="16rem" /></div></details></td>
              </tr>`;
            })}</tbody></table>`}
    </${Card}>
    <p class="muted small">Run <code>${shortId(run.id)}</code> · revision ${run.revision ?? '–'}</p>
  </div>`;
}
