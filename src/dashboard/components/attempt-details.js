/** One attempt: what ran it, how it ended, its output or error, and its lake files (each viewable). */
import { html } from '../lib/html.js';
import { formatCount, formatMs, formatTime } from '../lib/format.js';
import { FileTable, fileName } from './file-table.js';
import { FileViewer } from './file-viewer.js';
import { JsonView } from './json-view.js';
import { StatusBadge } from './status-badge.js';

export function AttemptDetails({ attempt, openName, onOpen }) {
  const model = attempt.modelName && attempt.modelTag && !String(attempt.modelName).includes(':') ? `${attempt.modelName}:${attempt.modelTag}` : attempt.modelName ?? null;
  const fields = [
    ['status', html`<${StatusBadge} status=${attempt.status} />`],
    ['outcome', attempt.outcome],
    ['model', model ? html`${model}${attempt.modelDigest ? html` <code class="muted small">${String(attempt.modelDigest).slice(0, 12)}</code>` : null}` : null],
    ['endpoint', attempt.endpointId ? `${attempt.endpointId}${attempt.baseUrl ? ` (${attempt.provider ?? ''} ${attempt.baseUrl})` : ''}` : attempt.baseUrl],
    ['worker', attempt.workerId],
    ['started', formatTime(attempt.startedAt)],
    ['duration', formatMs(attempt.durationMs)],
    ['tokens', attempt.promptTokens !== null || attempt.completionTokens !== null ? `${formatCount(attempt.promptTokens ?? 0)} prompt · ${formatCount(attempt.completionTokens ?? 0)} completion` : null],
    ['folder', attempt.lakeDir ? html`<code>${attempt.lakeDir}</code>` : null],
  ].filter(([, value]) => value !== null && value !== undefined && value !== '');
  const names = attempt.artifacts.map(fileName);
  return html`<div class="attempt" data-attempt-details=${attempt.key ?? attempt.number}>
    <dl class="fields">${fields.map(([name, value]) => html`<dt>${name}</dt><dd>${value}</dd>`)}</dl>
    ${attempt.error
      ? html`<div class="attempt-error"><b>Error${attempt.errorCode ? html` <code>${attempt.errorCode}</code>` : null}</b><pre class="code">${attempt.error}</pre></div>`
      : null}
    ${attempt.output !== null && attempt.output !== undefined ? html`<h3>Output</h3><${JsonView} value=${attempt.output} maxHeight="24rem" />` : null}
    <h3>Files</h3>
    <${FileTable} attempt=${attempt} artifacts=${attempt.artifacts} openName=${openName} onOpen=${onOpen} />
    ${names.length > 0
      ? html`<div class="tabs" role="tablist">${names.map((name) => html`<button role="tab" class=${`tab ${openName === name ? 'active' : ''}`} aria-selected=${openName === name} onClick=${() => onOpen(name)}>${name}</button>`)}</div>
          <${FileViewer} attempt=${attempt} name=${openName && names.includes(openName) ? openName : null} />`
      : null}
  </div>`;
}
