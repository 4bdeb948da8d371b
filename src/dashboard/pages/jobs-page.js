/**
 * Jobs: the search (filters in the URL), a page of jobs (keyset pagination through `cursor`), and bulk
 * retry / redrive / cancel of the selected ones. The first page refreshes itself as jobs change.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { postJson } from '../lib/api.js';
import { html } from '../lib/html.js';
import { jobFiltersFromParams, jobFiltersToParams } from '../lib/job-search.js';
import { useLiveEvent, useWatchedJobs } from '../lib/live-events.js';
import { useSession } from '../lib/session.js';
import { throttle, useApi } from '../lib/use-api.js';
import { href, navigate } from '../lib/use-route.js';
import { ErrorBox } from '../components/error-box.js';
import { JobSearchBox } from '../components/job-search-box.js';
import { JobTable } from '../components/job-table.js';
import { Loading } from '../components/loading.js';
import { Pager } from '../components/pager.js';

const actions = [
  ['retry', 'Retry', 'retried'],
  ['redrive', 'Redrive', 'redriven'],
  ['cancel', 'Cancel', 'cancelled'],
];

export function JobsPage({ route }) {
  const filters = jobFiltersFromParams(route.query);
  const params = jobFiltersToParams(filters);
  const cursor = route.query.get('cursor') ?? undefined;
  const list = useApi('/api/jobs', { ...params, cursor, limit: 50 });
  const session = useSession();
  const [selected, setSelected] = useState(new Set());
  const [outcome, setOutcome] = useState(null);
  const [busy, setBusy] = useState(false);
  const key = JSON.stringify([params, cursor]);
  useEffect(() => {
    setSelected(new Set());
    setOutcome(null);
  }, [key]);
  const refresh = useMemo(() => throttle(() => list.reload(true), 1500), [list.reload]);
  const jobs = list.data?.items ?? list.data?.jobs ?? [];
  // Jobs shown change status: refetch the page; new jobs move the counts: refetch the first page.
  useWatchedJobs(jobs.map((job) => job.id));
  useLiveEvent('job', (event) => {
    const shown = jobs.find((job) => job.id === Number(event?.id));
    if (shown && (shown.status !== event.status || shown.updatedAt !== event.updatedAt)) refresh();
  });
  useLiveEvent('stats', () => {
    if (!cursor) refresh();
  });

  const nextCursor = list.data?.nextCursor ?? null;
  const search = (next) => navigate('/jobs', jobFiltersToParams(next));
  const toggle = (id) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const toggleAll = (on) => setSelected(on ? new Set(jobs.map((job) => job.id)) : new Set());
  const bulk = async (action, verb) => {
    const ids = [...selected];
    if (!window.confirm(`${action[0].toUpperCase()}${action.slice(1)} ${ids.length} job${ids.length === 1 ? '' : 's'}?`)) return;
    setBusy(true);
    try {
      const result = await postJson('/api/jobs/bulk', { action, ids });
      const changed = result?.changed ?? [];
      const refused = result?.refused ?? [];
      const reasons = refused.slice(0, 3).map((entry) => `#${entry.jobId}: ${entry.reason}`).join('; ');
      setOutcome({ ok: refused.length === 0, text: `${changed.length} ${verb}${refused.length ? `; ${refused.length} refused (${reasons}${refused.length > 3 ? '; …' : ''})` : ''}.` });
      setSelected(new Set());
      list.reload(true);
    } catch (error) {
      setOutcome({ ok: false, text: error.message });
    } finally {
      setBusy(false);
    }
  };

  return html`<div data-page="jobs">
    <div class="page-head"><h1>Jobs</h1></div>
    <${JobSearchBox} filters=${filters} onSearch=${search} />
    ${session.canAct
      ? html`<div class=${`bulk-bar ${selected.size > 0 ? 'active' : ''}`}>
          <span>${selected.size > 0 ? `${selected.size} selected` : 'Select jobs to act on them'}</span>
          ${actions.map(([action, label, verb]) => html`<button class=${`button ${action === 'cancel' ? 'danger' : ''}`} disabled=${selected.size === 0 || busy} onClick=${() => bulk(action, verb)} data-bulk=${action}>${label}</button>`)}
          ${outcome ? html`<span class=${outcome.ok ? 'ok-text' : 'error-text'} role="status">${outcome.text}</span>` : null}
        </div>`
      : null}
    ${list.error ? html`<${ErrorBox} error=${list.error} what="the jobs" />` : null}
    ${list.loading && !list.data ? html`<${Loading} what="jobs" />` : null}
    ${list.data
      ? jobs.length === 0
        ? html`<p class="muted empty card">No job matches${Object.keys(params).length ? ' this search' : ''}.</p>`
        : html`<div class="card flush"><${JobTable} jobs=${jobs} selected=${selected} onToggle=${toggle} onToggleAll=${toggleAll} selectable=${session.canAct} /></div>
            <${Pager} count=${jobs.length} onFirstPage=${!cursor} firstHref=${href('/jobs', params)} nextHref=${nextCursor ? href('/jobs', { ...params, cursor: nextCursor }) : null} />`
      : null}
  </div>`;
}
