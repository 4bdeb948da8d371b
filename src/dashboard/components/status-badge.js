/** A job's (or attempt's, run's, document's) status as a coloured pill. */
import { html } from '../lib/html.js';

const labels = { DEADLETTER: 'dead letter' };

export function StatusBadge({ status }) {
  if (!status) return null;
  const name = String(status);
  return html`<span class=${`badge status-${name.toLowerCase()}`} data-status=${name}>${labels[name] ?? name.toLowerCase()}</span>`;
}
