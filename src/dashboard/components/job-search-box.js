/**
 * The jobs search: one box in the job-search language (`status:dead label:demo luke`), status chips
 * that toggle, and the problems of a search said plainly. Submitting navigates, so the URL holds it.
 */
import { useEffect, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { formatJobSearch, jobStatuses, parseJobSearch } from '../lib/job-search.js';

const chipNames = { NEW: 'new', RUNNING: 'running', RETRY: 'retry', SUCCEEDED: 'succeeded', DEADLETTER: 'dead letter' };

export function JobSearchBox({ filters, onSearch }) {
  const [text, setText] = useState(formatJobSearch(filters));
  const [errors, setErrors] = useState([]);
  useEffect(() => setText(formatJobSearch(filters)), [formatJobSearch(filters)]);
  const submit = (event) => {
    event.preventDefault();
    const parsed = parseJobSearch(text);
    setErrors(parsed.errors);
    onSearch(parsed.filters);
  };
  // One status at a time (the API filters by one); pressing the chosen one again clears it.
  const toggle = (status) => {
    const on = (filters.status ?? []).includes(status) && filters.status.length === 1;
    onSearch({ ...filters, status: on ? undefined : [status] });
  };
  return html`<form class="search" onSubmit=${submit} role="search">
    <div class="search-row">
      <input class="search-input" type="search" name="q" value=${text} onInput=${(event) => setText(event.target.value)}
        placeholder="status:dead interrogation:… label:… model:… error:… text in the input" aria-label="search jobs" spellcheck="false" />
      <button class="button primary" type="submit">Search</button>
      ${Object.keys(filters).length > 0 ? html`<button class="button ghost" type="button" onClick=${() => { setErrors([]); onSearch({}); }}>Clear</button>` : null}
    </div>
    <div class="chips">
      ${jobStatuses.map((status) => html`<button type="button" class=${`chip status-${status.toLowerCase()} ${(filters.status ?? []).includes(status) ? 'on' : ''}`} onClick=${() => toggle(status)} data-chip=${status}>${chipNames[status]}</button>`)}
      <span class="muted small hint">filters: <code>status:</code> <code>interrogation:</code> <code>label:</code> <code>model:</code> <code>error:</code>; other words search inside the input</span>
    </div>
    ${errors.length > 0 ? html`<ul class="error-text search-errors">${errors.map((error) => html`<li>${error}</li>`)}</ul>` : null}
  </form>`;
}
