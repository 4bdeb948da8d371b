/**
 * One job: its fields and input, its attempts as a timeline, the selected attempt's files (prompt,
 * request, response, output or error, formatted) and the diff between two attempts. The selected
 * attempt, the open file and the compared pair are in the URL; the page refreshes on the job's events.
 */
import { postJson } from '../lib/api.js';
import { formatTime } from '../lib/format.js';
import { html } from '../lib/html.js';
import { useLiveEvent, useWatchedJobs } from '../lib/live-events.js';
import { useSession } from '../lib/session.js';
import { useApi } from '../lib/use-api.js';
import { href, navigate } from '../lib/use-route.js';
import { ActionButton } from '../components/action-button.js';
import { AttemptDetails } from '../components/attempt-details.js';
import { AttemptDiff, diffableNames } from '../components/attempt-diff.js';
import { AttemptTimeline } from '../components/attempt-timeline.js';
import { findAttempt, keyAttempts } from '../lib/attempt-keys.js';
import { Card } from '../components/card.js';
import { ErrorBox } from '../components/error-box.js';
import { fileName } from '../components/file-table.js';
import { JsonView } from '../components/json-view.js';
import { Loading } from '../components/loading.js';
import { StatusBadge } from '../components/status-badge.js';

export function JobPage({ route }) {
  const id = route.params.id;
  const details = useApi(`/api/jobs/${encodeURIComponent(id)}`);
  const session = useSession();
  useWatchedJobs([id]);
  const seen = details.data ? `${details.data.job.status}/${details.data.job.attemptCount}/${details.data.job.updatedAt}` : null;
  useLiveEvent('job', (event) => {
    // The stream sends each watched job at once and on every change: reload only when it changed.
    if (String(event?.id) === String(id) && seen !== `${event.status}/${event.attemptCount}/${event.updatedAt}`) details.reload(true);
  });
  if (details.error) return html`<${ErrorBox} error=${details.error} what=${`job ${id}`} />`;
  if (!details.data) return html`<${Loading} what=${`job ${id}`} />`;
  const { job } = details.data;
  const attempts = keyAttempts(details.data.attempts);
  const query = Object.fromEntries(route.query);
  const go = (change) => navigate(`/jobs/${id}`, { ...query, ...change }, { replace: true });
  const selected = findAttempt(attempts, query.attempt) ?? attempts.at(-1);
  const openName = query.file ?? (selected ? defaultFile(selected) : null);
  const asked = query.compare ? findAttempt(attempts, query.compare) : selected ? attemptBefore(attempts, selected) : undefined;
  const before = asked === selected ? undefined : asked;
  const diffNames = before && selected ? diffableNames(before, selected) : [];
  const diffName = query.diff && diffNames.includes(query.diff) ? query.diff : diffNames[0];
  const act = (path) => async () => {
    const result = await postJson(path, {});
    details.reload(true);
    if (result?.status) return `now ${String(result.status).toLowerCase()}`;
    if (result?.cancelled) return 'cancelled';
    return 'done';
  };

  return html`<div data-page="job" data-job-status=${job.status}>
    <div class="page-head">
      <h1>Job ${job.id} <${StatusBadge} status=${job.status} /></h1>
      <div class="actions">
        ${session.canAct && (job.status === 'DEADLETTER' || job.status === 'RETRY')
          ? html`<${ActionButton} label=${job.status === 'DEADLETTER' ? 'Retry (fresh attempts)' : 'Retry now'} name="retry" tone="primary" action=${act(`/api/jobs/${job.id}/retry`)} />`
          : null}
        ${session.canAct && ['NEW', 'RETRY'].includes(job.status)
          ? html`<${ActionButton} label="Cancel" name="cancel" tone="danger" confirm=${`Cancel job ${job.id}?`} action=${act(`/api/jobs/${job.id}/cancel`)} />`
          : null}
      </div>
    </div>
    <div class="grid job-grid">
      <${Card} title="Job">
        <dl class="fields">
          <dt>interrogation</dt><dd><a href=${href('/jobs', { interrogation: job.interrogationKey })}>${job.interrogationKey}</a>${job.kind && job.kind !== 'interrogation' ? html` <span class="muted">(${job.kind})</span>` : null}</dd>
          <dt>attempts</dt><dd>${job.attemptCount} of ${job.maxAttempts}</dd>
          ${job.runLabel ? html`<dt>run label</dt><dd><a href=${href('/jobs', { label: job.runLabel })}>${job.runLabel}</a></dd>` : null}
          <dt>model</dt><dd>${job.modelHint ?? html`<span class="muted">worker's default</span>`}</dd>
          <dt>priority</dt><dd>${job.priority}</dd>
          ${job.parentJobId ? html`<dt>parent job</dt><dd><a href=${href(`/jobs/${job.parentJobId}`)}>${job.parentJobId}</a></dd>` : null}
          ${job.dedupeKey ? html`<dt>dedupe key</dt><dd><code>${job.dedupeKey}</code></dd>` : null}
          <dt>created</dt><dd>${formatTime(job.createdAt)}</dd>
          <dt>updated</dt><dd>${formatTime(job.updatedAt)}</dd>
          ${job.completedAt ? html`<dt>completed</dt><dd>${formatTime(job.completedAt)}</dd>` : null}
          ${job.status === 'RETRY' || job.status === 'NEW' ? html`<dt>available</dt><dd>${formatTime(job.availableAt)}</dd>` : null}
          ${job.lockedBy ? html`<dt>held by</dt><dd>${job.lockedBy} until ${formatTime(job.leaseExpiresAt)}</dd>` : null}
          ${job.lastErrorCode || job.lastError ? html`<dt>last error</dt><dd><code>${job.lastErrorCode ?? ''}</code> ${job.lastError ?? ''}</dd>` : null}
        </dl>
      </${Card}>
      <${Card} title="Input">
        <${JsonView} value=${job.input} maxHeight="20rem" />
        ${job.evidenceRefs?.length ? html`<h3>Evidence files</h3><ul class="plain">${job.evidenceRefs.map((ref) => html`<li><code>${typeof ref === 'string' ? ref : ref.path ?? JSON.stringify(ref)}</code></li>`)}</ul>` : null}
      </${Card}>
    </div>
    <${Card} title="Attempts">
      <${AttemptTimeline} attempts=${attempts} selected=${selected?.key} createdAt=${job.createdAt}
        onSelect=${(key) => go({ attempt: key, file: undefined, compare: undefined })} />
    </${Card}>
    ${selected
      ? html`<${Card} title=${`Attempt ${selected.label}`} id="attempt">
          <${AttemptDetails} attempt=${selected} openName=${openName} onOpen=${(name) => go({ attempt: selected.key, file: name })} />
        </${Card}>`
      : null}
    ${attempts.length > 1 && selected
      ? html`<${Card} title="What changed between attempts" id="diff" actions=${html`
          <label class="inline">compare
            <select onChange=${(event) => go({ attempt: selected.key, compare: event.target.value })} aria-label="attempt to compare with">
              ${attempts.filter((attempt) => attempt !== selected).map((attempt) => html`<option value=${attempt.key} selected=${before === attempt}>${attempt.label} ${String(attempt.status).toLowerCase()}</option>`)}
            </select>
            with ${selected.label}
          </label>
          ${diffNames.length > 0
            ? html`<select onChange=${(event) => go({ attempt: selected.key, compare: before?.key, diff: event.target.value })} aria-label="file to compare">
                ${diffNames.map((name) => html`<option value=${name} selected=${name === diffName}>${name}</option>`)}
              </select>`
            : null}`}>
          ${before && diffName
            ? html`<${AttemptDiff} before=${before} after=${selected} name=${diffName} />`
            : html`<p class="muted">${before ? 'These attempts have no file in common.' : 'Pick an attempt to compare with.'}</p>`}
        </${Card}>`
      : null}
  </div>`;
}

/** What to compare an attempt with by default: the attempt that counted before it (what the retry changed), else the row before. */
function attemptBefore(attempts, selected) {
  const earlier = attempts.slice(0, attempts.indexOf(selected));
  return earlier.filter((attempt) => attempt.counted).at(-1) ?? earlier.at(-1);
}

function defaultFile(attempt) {
  const names = attempt.artifacts.map(fileName);
  return ['error.json', 'output.json', 'response.json', 'prompt.txt'].find((name) => names.includes(name)) ?? names[0] ?? null;
}
