/**
 * Evaluation runs: the search box takes the evaluation query language (`project:demo f1 > 0.8
 * model:qwen*`, as `holocron runs search`), the list shows each run's headline metrics, and two or more
 * runs picked here open their comparison (the first picked is the baseline).
 */
import { useEffect, useState } from 'preact/hooks';
import { camelKeys } from '../lib/camel-keys.js';
import { formatAgo, formatCount, formatMs, formatPercent, formatValue, shortId } from '../lib/format.js';
import { html } from '../lib/html.js';
import { useApi } from '../lib/use-api.js';
import { href, navigate } from '../lib/use-route.js';
import { ErrorBox } from '../components/error-box.js';
import { Loading } from '../components/loading.js';
import { Pager } from '../components/pager.js';
import { StatusBadge } from '../components/status-badge.js';

export function EvaluationsPage({ route }) {
  const q = route.query.get('q') ?? undefined;
  const project = route.query.get('project') ?? undefined;
  const cursor = route.query.get('cursor') ?? undefined;
  const list = useApi('/api/evaluations/runs', { q, project, cursor, limit: 50 });
  const [text, setText] = useState(q ?? '');
  const [picked, setPicked] = useState([]);
  useEffect(() => setText(q ?? ''), [q]);
  const runs = (list.data?.items ?? list.data?.runs ?? []).map(camelKeys);
  const metricNames = [...new Set(runs.flatMap((run) => Object.keys(run.metrics ?? {})))].filter((name) => !/^tokens\.|^latency$/.test(name)).slice(0, 3);
  const toggle = (id) => setPicked(picked.includes(id) ? picked.filter((entry) => entry !== id) : [...picked, id]);
  return html`<div data-page="evaluations">
    <div class="page-head">
      <h1>Evaluations</h1>
      <div class="actions">
        <a class=${`button primary ${picked.length < 2 ? 'disabled' : ''}`} aria-disabled=${picked.length < 2}
          href=${picked.length >= 2 ? href('/evaluations/compare', { runs: picked, baseline: picked[0] }) : undefined} data-compare-picked>
          Compare ${picked.length >= 2 ? picked.length : ''} runs
        </a>
      </div>
    </div>
    <form class="search" role="search" onSubmit=${(event) => { event.preventDefault(); navigate('/evaluations', { q: text.trim() || undefined, project }); }}>
      <div class="search-row">
        <input class="search-input" type="search" value=${text} onInput=${(event) => setText(event.target.value)} spellcheck="false"
          placeholder='project:demo model:qwen* f1 > 0.8 tag:nightly "characters"' aria-label="search evaluation runs" />
        <button class="button primary" type="submit">Search</button>
      </div>
      <div class="muted small hint">The <code>holocron runs search</code> language: <code>field:value</code> (project, model, dataset, tag, status, name…), metric comparisons (<code>f1 &gt; 0.8</code>), <code>AND</code> / <code>OR</code> / <code>NOT</code>, parentheses.</div>
    </form>
    ${list.data?.explanation ? html`<details class="explanation muted small"><summary>How the search reads</summary><pre class="code" data-explanation>${list.data.explanation}</pre></details>` : null}
    ${list.error ? html`<${ErrorBox} error=${list.error} what="the runs" />` : null}
    ${list.loading && !list.data ? html`<${Loading} what="runs" />` : null}
    ${list.data
      ? runs.length === 0
        ? html`<p class="muted empty card">No run matches.</p>`
        : html`<div class="card flush"><table class="table" data-table="runs">
            <thead><tr><th class="check"></th><th>run</th><th>status</th><th>project</th><th>model</th><th class="num">items</th><th class="num">success</th>
              ${metricNames.map((name) => html`<th class="num">${name}</th>`)}<th class="num">duration</th><th>created</th><th>tags</th></tr></thead>
            <tbody>${runs.map((run) => html`<tr data-run=${run.id} class=${picked.includes(run.id) ? 'selected' : ''}>
              <td class="check"><input type="checkbox" aria-label=${`pick run ${run.name}`} checked=${picked.includes(run.id)} onChange=${() => toggle(run.id)} />${picked.indexOf(run.id) === 0 ? html`<span class="muted small"> base</span>` : null}</td>
              <td class="run-cell"><a href=${href(`/evaluations/${run.id}`)}>${run.name}</a><div class="muted small"><code>${shortId(run.id)}</code>${run.dataset ? ` · ${run.dataset}` : ''}</div></td>
              <td><${StatusBadge} status=${run.status} /></td>
              <td>${run.project ?? html`<span class="muted">–</span>`}</td>
              <td>${run.model ?? html`<span class="muted">–</span>`}</td>
              <td class="num">${formatCount(run.itemCount)}</td>
              <td class="num">${formatPercent(run.successRate)}</td>
              ${metricNames.map((name) => html`<td class="num">${run.metrics?.[name] ? formatValue(run.metrics[name].passRate ?? run.metrics[name].mean) : html`<span class="muted">–</span>`}</td>`)}
              <td class="num">${formatMs(run.durationMs)}</td>
              <td class="muted nowrap">${formatAgo(run.createdAt)}</td>
              <td class="nowrap">${(run.tags ?? []).map((tag) => html`<a class="tag" href=${href('/evaluations', { q: `tag:${tag}` })}>${tag}</a>`)}</td>
            </tr>`)}</tbody>
          </table></div>
          <${Pager} count=${`${runs.length}${list.data.total !== undefined ? ` of ${formatCount(list.data.total)}` : ''}`} onFirstPage=${!cursor} firstHref=${href('/evaluations', { q, project })}
            nextHref=${list.data.nextCursor ? href('/evaluations', { q, project, cursor: list.data.nextCursor }) : null} />`
      : null}
  </div>`;
}
