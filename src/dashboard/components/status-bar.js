/** Jobs by status: a stacked bar and a legend whose entries open the jobs list filtered to that status. */
import { html } from '../lib/html.js';
import { formatCount } from '../lib/format.js';
import { href } from '../lib/use-route.js';

const order = ['NEW', 'RUNNING', 'RETRY', 'SUCCEEDED', 'DEADLETTER'];
const names = { NEW: 'new', RUNNING: 'running', RETRY: 'retry', SUCCEEDED: 'succeeded', DEADLETTER: 'dead letter' };

export function StatusBar({ byStatus = {} }) {
  const total = order.reduce((sum, status) => sum + Number(byStatus[status] ?? 0), 0);
  return html`<div class="status-bar-wrap">
    <div class="status-bar" role="img" aria-label="jobs by status">
      ${total === 0
        ? html`<div class="status-bar-empty">no jobs yet</div>`
        : order
            .filter((status) => Number(byStatus[status] ?? 0) > 0)
            .map((status) => html`<div class=${`segment status-${status.toLowerCase()}`} style=${`flex-grow:${byStatus[status]}`} title=${`${names[status]}: ${formatCount(byStatus[status])}`}></div>`)}
    </div>
    <ul class="status-legend">
      ${order.map(
        (status) => html`<li>
          <a href=${href('/jobs', { status })} data-status-count=${status}>
            <i class=${`dot status-${status.toLowerCase()}`}></i>${names[status]} <b>${formatCount(byStatus[status] ?? 0)}</b>
          </a>
        </li>`,
      )}
    </ul>
  </div>`;
}
