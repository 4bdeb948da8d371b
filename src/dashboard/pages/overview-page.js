/**
 * The overview: jobs by status, throughput and latency over time, dead letters by error code (each
 * redrivable), and each server's capacity. It follows /api/events: `stats` events replace the figures,
 * and the charts refetch at most every few seconds while jobs change.
 */
import { useMemo, useState } from 'preact/hooks';
import { postJson } from '../lib/api.js';
import { formatAgo, formatCount, formatMs } from '../lib/format.js';
import { html } from '../lib/html.js';
import { useLiveEvent } from '../lib/live-events.js';
import { useSession } from '../lib/session.js';
import { throttle, useApi } from '../lib/use-api.js';
import { href } from '../lib/use-route.js';
import { ActionButton } from '../components/action-button.js';
import { Card } from '../components/card.js';
import { ErrorBox } from '../components/error-box.js';
import { Loading } from '../components/loading.js';
import { StatTile } from '../components/stat-tile.js';
import { StatusBar } from '../components/status-bar.js';
import { TimeSeriesChart } from '../components/time-series-chart.js';

const ranges = [
  [5, '5 min', 5],
  [15, '15 min', 15],
  [60, '1 h', 60],
  [360, '6 h', 300],
  [1440, '24 h', 900],
];

export function OverviewPage({ route }) {
  const minutes = Number(route.query.get('minutes')) || 60;
  const bucketSeconds = (ranges.find(([value]) => value === minutes) ?? [0, '', Math.max(60, Math.round((minutes * 60) / 60))])[2];
  const stats = useApi('/api/stats');
  const series = useApi('/api/stats/timeseries', { minutes, bucketSeconds });
  const [live, setLive] = useState(null);
  // What the last redrive did (its row may be gone once the figures reload).
  const [notice, setNotice] = useState(null);
  const session = useSession();
  const refreshSeries = useMemo(() => throttle(() => series.reload(true), 5000), [series.reload]);
  useLiveEvent('stats', (data) => {
    if (data && typeof data === 'object' && data.byStatus) setLive(data);
    refreshSeries();
  });

  const data = live ?? stats.data;
  if (stats.error && !data) return html`<${ErrorBox} error=${stats.error} what="the queue statistics" />`;
  if (!data) return html`<${Loading} what="the overview" />`;
  const byStatus = data.byStatus ?? {};
  const deadLetters = data.deadLettersByErrorCode ?? [];
  const endpoints = data.endpoints ?? [];
  const reloadAll = () => {
    setLive(null);
    stats.reload(true);
    series.reload(true);
  };
  return html`<div class="overview" data-page="overview">
    <div class="page-head">
      <h1>Overview</h1>
      <div class="segmented" role="group" aria-label="time range">
        ${ranges.map(([value, label]) => html`<a class=${value === minutes ? 'active' : ''} href=${href('/', { minutes: value === 60 ? undefined : value })}>${label}</a>`)}
      </div>
    </div>
    <div class="tiles">
      <${StatTile} label="jobs" value=${formatCount(data.total)} href=${href('/jobs')} />
      <${StatTile} label="ready now" value=${formatCount(data.readyNow)} hint=${data.oldestReadyCreatedAt ? `oldest ${formatAgo(data.oldestReadyCreatedAt)}` : data.waiting ? `${formatCount(data.waiting)} waiting` : null} href=${href('/jobs', { status: 'NEW' })} />
      <${StatTile} label="running" value=${formatCount(byStatus.RUNNING)} hint=${data.expiredLeases ? `${formatCount(data.expiredLeases)} expired leases` : null} href=${href('/jobs', { status: 'RUNNING' })} />
      <${StatTile} label="succeeded" value=${formatCount(byStatus.SUCCEEDED)} tone="good" href=${href('/jobs', { status: 'SUCCEEDED' })} />
      <${StatTile} label="dead letters" value=${formatCount(byStatus.DEADLETTER)} tone=${byStatus.DEADLETTER ? 'bad' : ''} href=${href('/jobs', { status: 'DEADLETTER' })} />
      <${StatTile} label="attempts" value=${formatCount(data.attempts?.total)} hint=${data.attempts ? `${formatCount(data.attempts.failed)} failed · ${formatCount(data.attempts.abandoned)} abandoned` : null} />
      <${StatTile} label="tokens" value=${formatCount((data.tokens?.prompt ?? 0) + (data.tokens?.completion ?? 0))} hint=${data.tokens ? `${formatCount(data.tokens.prompt)} in · ${formatCount(data.tokens.completion)} out` : null} />
    </div>
    <${Card} title="Jobs by status"><${StatusBar} byStatus=${byStatus} /></${Card}>
    <div class="grid two">
      <${Card} title="Throughput" actions=${html`<span class="muted">attempts finished per ${bucketSeconds >= 60 ? `${bucketSeconds / 60} min` : `${bucketSeconds} s`}</span>`}>
        ${seriesChart(series, (buckets, times) => html`<${TimeSeriesChart} label="throughput" bars times=${times} series=${[
          { label: 'succeeded', color: '#2f9e44', values: buckets.map((bucket) => bucket.succeeded ?? 0) },
          { label: 'failed', color: '#f08c00', values: buckets.map((bucket) => bucket.failed ?? 0) },
          { label: 'dead-lettered', color: '#e03131', values: buckets.map((bucket) => bucket.deadLettered ?? 0) },
        ]} />`)}
      </${Card}>
      <${Card} title="Latency" actions=${html`<span class="muted">attempt duration</span>`}>
        ${seriesChart(series, (buckets, times) => html`<${TimeSeriesChart} label="latency" unit=" ms" times=${times} series=${[
          { label: 'p50', color: '#3b5bdb', values: buckets.map((bucket) => bucket.p50Ms ?? null) },
          { label: 'p95', color: '#ae3ec9', values: buckets.map((bucket) => bucket.p95Ms ?? null) },
        ]} />`)}
      </${Card}>
    </div>
    <div class="grid two">
      <${Card} title="Dead letters by error code" actions=${session.canAct && deadLetters.length > 0
        ? html`<${ActionButton} label="Redrive all" name="redrive-all" confirm=${`Redrive all ${formatCount(byStatus.DEADLETTER)} dead letters with fresh attempts?`}
            action=${async () => redriven(await postJson('/api/dead-letters/redrive', {}), 'all')} onDone=${(text) => { setNotice(text); reloadAll(); }} />`
        : null}>
        ${notice ? html`<p class="ok-text" role="status" data-notice>${notice}</p>` : null}
        ${deadLetters.length === 0
          ? html`<p class="muted empty">No dead letters.</p>`
          : html`<table class="table" data-table="dead-letters">
              <thead><tr><th>error code</th><th class="num">jobs</th><th></th></tr></thead>
              <tbody>${deadLetters.map(
                (row) => html`<tr data-error-code=${row.errorCode ?? ''}>
                  <td><a href=${href('/jobs', { status: 'DEADLETTER', error: row.errorCode ?? undefined })}><code>${row.errorCode ?? '(none)'}</code></a></td>
                  <td class="num">${formatCount(row.count)}</td>
                  <td class="right">${session.canAct && row.errorCode
                    ? html`<${ActionButton} label="Redrive" name="redrive" tone="small" confirm=${`Redrive ${formatCount(row.count)} dead letters with error ${row.errorCode}?`}
                        action=${async () => redriven(await postJson('/api/dead-letters/redrive', { errorCode: row.errorCode }), row.errorCode)} onDone=${(text) => { setNotice(text); reloadAll(); }} />`
                    : null}</td>
                </tr>`,
              )}</tbody>
            </table>`}
      </${Card}>
      <${Card} title="Servers" actions=${html`<span class="muted">attempts per endpoint</span>`}>
        ${endpoints.length === 0
          ? html`<p class="muted empty">No endpoint configured or recorded yet.</p>`
          : html`<table class="table" data-table="endpoints">
              <thead><tr><th>endpoint</th><th>capacity</th><th>attempts</th><th class="num">mean</th><th class="num">busy</th></tr></thead>
              <tbody>${endpoints.map((endpoint) => html`<tr data-endpoint=${endpoint.id}>
                <td><b>${endpoint.id}</b>${endpoint.configured === false ? html` <span class="badge" title="not in this server's configuration; recorded by a worker">elsewhere</span>` : null}
                  <div class="muted small">${endpoint.kind ?? endpoint.provider ?? ''} ${endpoint.baseUrl ?? ''}${endpoint.models?.length ? ` · ${endpoint.models.join(', ')}` : ''}</div></td>
                <td class="nowrap">${capacity(endpoint)}</td>
                <td>${attemptsBar(endpoint.attempts)}</td>
                <td class="num nowrap">${endpoint.meanDurationMs === null || endpoint.meanDurationMs === undefined ? html`<span class="muted">–</span>` : formatMs(endpoint.meanDurationMs)}</td>
                <td class="num">${endpoint.busyAnswers === undefined ? html`<span class="muted">–</span>` : formatCount(endpoint.busyAnswers)}</td>
              </tr>`)}</tbody>
            </table>`}
      </${Card}>
    </div>
    ${byInterrogation(data.byInterrogation)}
  </div>`;
}

function redriven(result, code) {
  const ids = result?.jobIds ?? [];
  return `${formatCount(result?.redriven ?? 0)} redriven${code === 'all' ? '' : ` (${code})`}${ids.length ? `: job${ids.length === 1 ? '' : 's'} ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', …' : ''}` : ''}.`;
}

function seriesChart(series, draw) {
  if (series.error) return html`<${ErrorBox} error=${series.error} what="the time series" />`;
  if (!series.data) return html`<${Loading} />`;
  const buckets = series.data.buckets ?? [];
  if (buckets.length === 0) return html`<p class="muted empty">Nothing finished in this range.</p>`;
  const times = buckets.map((bucket) => Number(new Date(typeof bucket.start === 'string' && /^\d+$/.test(bucket.start) ? Number(bucket.start) : bucket.start)));
  return draw(buckets, times);
}

/** The most calls a worker sends the endpoint at once (its adaptive limit's ceiling); live in-flight figures when reported. */
function capacity(endpoint) {
  const limitValue = endpoint.limit ?? endpoint.maxInFlight;
  const limit = limitValue === null || limitValue === undefined ? null : Number(limitValue);
  if (endpoint.inFlight === undefined || endpoint.inFlight === null) {
    return html`<span title="calls in flight per worker process">${limit === null ? html`<span class="muted">no limit of its own</span>` : `≤ ${formatCount(limit)} in flight`}</span>`;
  }
  const inFlight = Number(endpoint.inFlight);
  const share = limit ? Math.min(1, inFlight / limit) : 0;
  return html`<div class="meter" title=${`${inFlight} in flight of ${limit ?? '∞'}`}>
    <div class="meter-bar"><div style=${`width:${share * 100}%`} class=${share >= 1 ? 'full' : ''}></div></div>
    <span>${formatCount(inFlight)} / ${limit === null ? '∞' : formatCount(limit)}</span>
  </div>`;
}

/** Succeeded / failed / abandoned attempts as one bar with the counts. */
function attemptsBar(attempts) {
  if (!attempts) return html`<span class="muted">–</span>`;
  const total = attempts.succeeded + attempts.failed + attempts.abandoned;
  if (total === 0) return html`<span class="muted">none yet</span>`;
  return html`<div class="meter" title=${`${attempts.succeeded} succeeded, ${attempts.failed} failed, ${attempts.abandoned} abandoned`}>
    <div class="meter-bar stacked">
      <div class="ok" style=${`width:${(attempts.succeeded / total) * 100}%`}></div><div class="failed" style=${`width:${(attempts.failed / total) * 100}%`}></div><div class="abandoned" style=${`width:${(attempts.abandoned / total) * 100}%`}></div>
    </div>
    <span>${formatCount(attempts.succeeded)} ok · ${formatCount(attempts.failed)} failed</span>
  </div>`;
}

function byInterrogation(groups) {
  const entries = Object.entries(groups ?? {});
  if (entries.length === 0) return null;
  const statuses = ['NEW', 'RUNNING', 'RETRY', 'SUCCEEDED', 'DEADLETTER'];
  return html`<${Card} title="By interrogation">
    <table class="table" data-table="by-interrogation">
      <thead><tr><th>interrogation</th>${statuses.map((status) => html`<th class="num">${status === 'DEADLETTER' ? 'dead' : status.toLowerCase()}</th>`)}</tr></thead>
      <tbody>${entries.map(([key, counts]) => html`<tr>
        <td><a href=${href('/jobs', { interrogation: key })}>${key}</a></td>
        ${statuses.map((status) => html`<td class="num">${counts[status] ? html`<a href=${href('/jobs', { interrogation: key, status })}>${formatCount(counts[status])}</a>` : html`<span class="muted">0</span>`}</td>`)}
      </tr>`)}</tbody>
    </table>
  </${Card}>`;
}

