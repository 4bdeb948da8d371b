/** An API error, readable: what failed, its code, and what to do for the usual ones. */
import { html } from '../lib/html.js';

export function ErrorBox({ error, what }) {
  if (!error) return null;
  return html`<div class="error-box" role="alert">
    <strong>${what ? `Could not load ${what}` : 'Something failed'}</strong>
    <span>${error.message}</span>
    ${error.code ? html`<code>${error.code}${error.status ? ` · HTTP ${error.status}` : ''}</code>` : null}
  </div>`;
}
