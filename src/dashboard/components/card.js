/** A titled panel; `actions` go to the right of the title. */
import { html } from '../lib/html.js';

export function Card({ title, actions, children, className = '', id }) {
  return html`<section class=${`card ${className}`} id=${id}>
    ${title || actions ? html`<header class="card-head"><h2>${title}</h2>${actions ? html`<div class="card-actions">${actions}</div>` : null}</header>` : null}
    <div class="card-body">${children}</div>
  </section>`;
}
