/** Documents: search (a doc id or task id, stage, run label, stale only), newest first, stale ones marked. */
import { useEffect, useState } from 'preact/hooks';
import { camelKeys } from '../lib/camel-keys.js';
import { formatAgo } from '../lib/format.js';
import { html } from '../lib/html.js';
import { useApi } from '../lib/use-api.js';
import { href, navigate } from '../lib/use-route.js';
import { ErrorBox } from '../components/error-box.js';
import { Loading } from '../components/loading.js';
import { Pager } from '../components/pager.js';
import { StatusBadge } from '../components/status-badge.js';

export function DocumentsPage({ route }) {
  const params = {
    q: route.query.get('q') ?? undefined,
    stage: route.query.get('stage') ?? undefined,
    label: route.query.get('label') ?? undefined,
    stale: route.query.get('stale') ?? undefined,
  };
  const cursor = route.query.get('cursor') ?? undefined;
  const list = useApi('/api/documents', { ...params, cursor, limit: 50 });
  const [text, setText] = useState(params.q ?? '');
  const [stage, setStage] = useState(params.stage ?? '');
  useEffect(() => {
    setText(params.q ?? '');
    setStage(params.stage ?? '');
  }, [params.q, params.stage]);
  const items = (list.data?.items ?? list.data?.documents ?? []).map(camelKeys);
  const submit = (event) => {
    event.preventDefault();
    navigate('/documents', { ...params, q: text.trim() || undefined, stage: stage.trim() || undefined });
  };
  return html`<div data-page="documents">
    <div class="page-head"><h1>Documents</h1></div>
    <form class="search" onSubmit=${submit} role="search">
      <div class="search-row">
        <input class="search-input" type="search" value=${text} onInput=${(event) => setText(event.target.value)} placeholder="a doc id or a task id" aria-label="search documents" />
        <input class="narrow-input" value=${stage} onInput=${(event) => setStage(event.target.value)} placeholder="stage (facts, essay…)" aria-label="stage" />
        ${params.label ? html`<span class="chip on" title="run label">label: ${params.label} <a href=${href('/documents', { ...params, label: undefined })} aria-label="remove the run label filter">×</a></span>` : null}
        <label class="inline"><input type="checkbox" checked=${params.stale === 'true'} onChange=${(event) => navigate('/documents', { ...params, stale: event.target.checked ? 'true' : undefined })} /> stale only</label>
        <button class="button primary" type="submit">Search</button>
      </div>
    </form>
    ${list.error ? html`<${ErrorBox} error=${list.error} what="the documents" />` : null}
    ${list.loading && !list.data ? html`<${Loading} what="documents" />` : null}
    ${list.data
      ? items.length === 0
        ? html`<p class="muted empty card">No document matches.</p>`
        : html`<div class="card flush"><table class="table" data-table="documents">
              <thead><tr><th>doc id</th><th>stage</th><th>status</th><th>task / source</th><th>model</th><th>run label</th><th>parent</th><th>created</th></tr></thead>
              <tbody>${items.map((doc) => html`<tr data-doc=${doc.docId} class=${doc.stale ? 'stale-row' : ''}>
                <td><a href=${href(`/documents/${encodeURIComponent(doc.docId)}`)}><code>${doc.docId}</code></a>${doc.stale ? html` <span class="badge stale" title=${(doc.staleReasons ?? []).join(', ')}>stale</span>` : null}</td>
                <td><a href=${href('/documents', { ...params, stage: doc.stage })}>${doc.stage}</a></td>
                <td><${StatusBadge} status=${doc.status} /></td>
                <td class="clip wide" title=${doc.taskId ?? doc.sourceId ?? ''}>${doc.taskId ?? doc.sourceId ?? html`<span class="muted">–</span>`}</td>
                <td class="nowrap">${doc.modelId ?? html`<span class="muted">–</span>`}</td>
                <td class="clip">${doc.runLabel ? html`<a href=${href('/documents', { ...params, label: doc.runLabel })}>${doc.runLabel}</a>` : html`<span class="muted">–</span>`}</td>
                <td>${doc.parentDocId ? html`<a href=${href(`/documents/${encodeURIComponent(doc.parentDocId)}`)}><code>${doc.parentDocId}</code></a>` : html`<span class="muted">–</span>`}</td>
                <td class="muted nowrap">${formatAgo(doc.createdAt)}</td>
              </tr>`)}</tbody>
            </table></div>
            <${Pager} count=${items.length} onFirstPage=${!cursor} firstHref=${href('/documents', params)} nextHref=${list.data.nextCursor ? href('/documents', { ...params, cursor: list.data.nextCursor }) : null} />`
      : null}
  </div>`;
}
