/** A page of jobs with a checkbox each (for bulk actions) and a link to each job. */
import { html } from '../lib/html.js';
import { formatAgo } from '../lib/format.js';
import { href } from '../lib/use-route.js';
import { StatusBadge } from './status-badge.js';

function inputSummary(input) {
  if (input === null || input === undefined) return '';
  const text = typeof input === 'string' ? input : JSON.stringify(input);
  return text.length > 90 ? `${text.slice(0, 90)}…` : text;
}

export function JobTable({ jobs, selected, onToggle, onToggleAll, selectable }) {
  const allOn = jobs.length > 0 && jobs.every((job) => selected.has(job.id));
  return html`<table class="table jobs" data-table="jobs">
    <thead><tr>
      ${selectable ? html`<th class="check"><input type="checkbox" aria-label="select all" checked=${allOn} onChange=${() => onToggleAll(!allOn)} /></th>` : null}
      <th class="num">id</th><th>status</th><th>interrogation</th><th>input</th><th>label</th><th>model</th><th class="num">attempts</th><th>last error</th><th>updated</th>
    </tr></thead>
    <tbody>${jobs.map(
      (job) => html`<tr data-job=${job.id} data-status=${job.status} class=${selected.has(job.id) ? 'selected' : ''}>
        ${selectable ? html`<td class="check"><input type="checkbox" aria-label=${`select job ${job.id}`} checked=${selected.has(job.id)} onChange=${() => onToggle(job.id)} /></td>` : null}
        <td class="num"><a href=${href(`/jobs/${job.id}`)}>${job.id}</a></td>
        <td><${StatusBadge} status=${job.status} /></td>
        <td class="nowrap">${job.interrogationKey}</td>
        <td class="input-cell" title=${inputSummary(job.input)}><code>${inputSummary(job.input)}</code></td>
        <td class="clip" title=${job.runLabel ?? ''}>${job.runLabel ? html`<a href=${href('/jobs', { label: job.runLabel })}>${job.runLabel}</a>` : html`<span class="muted">–</span>`}</td>
        <td class="clip">${job.modelHint ?? html`<span class="muted">default</span>`}</td>
        <td class="num">${job.attemptCount}/${job.maxAttempts}</td>
        <td>${job.lastErrorCode ? html`<code title=${job.lastError ?? ''}>${job.lastErrorCode}</code>` : html`<span class="muted">–</span>`}</td>
        <td class="muted nowrap">${formatAgo(job.updatedAt)}</td>
      </tr>`,
    )}</tbody>
  </table>`;
}
