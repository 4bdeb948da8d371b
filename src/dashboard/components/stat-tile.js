/** One headline figure with its label (and an optional link to the rows behind it). */
import { html } from '../lib/html.js';

export function StatTile({ label, value, hint, href, tone = '' }) {
  const body = html`<span class="stat-value">${value}</span><span class="stat-label">${label}</span>${hint ? html`<span class="stat-hint">${hint}</span>` : null}`;
  return href ? html`<a class=${`stat-tile ${tone}`} href=${href} data-stat=${label}>${body}</a>` : html`<div class=${`stat-tile ${tone}`} data-stat=${label}>${body}</div>`;
}
