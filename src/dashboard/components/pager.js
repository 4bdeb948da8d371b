/** Keyset pagination: back to the newest page, or on to the next (older) one. */
import { html } from '../lib/html.js';

export function Pager({ nextHref, firstHref, count, onFirstPage }) {
  return html`<nav class="pager">
    <span class="muted">${count} shown</span>
    ${onFirstPage ? null : html`<a class="button ghost" href=${firstHref}>« Newest</a>`}
    ${nextHref ? html`<a class="button ghost" href=${nextHref} data-next-page>Older »</a>` : null}
  </nav>`;
}
