/** A quiet placeholder while a view loads. */
import { html } from '../lib/html.js';

export function Loading({ what = '' }) {
  return html`<div class="loading" aria-busy="true">Loading${what ? ` ${what}` : ''}…</div>`;
}
