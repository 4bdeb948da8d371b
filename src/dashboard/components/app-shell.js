/** The frame of every page: the top bar with the sections and the live indicator, then the page. */
import { html } from '../lib/html.js';
import { href } from '../lib/use-route.js';
import { LiveIndicator } from './live-indicator.js';

const sections = [
  ['overview', 'Overview', '/'],
  ['jobs', 'Jobs', '/jobs'],
  ['documents', 'Documents', '/documents'],
  ['evaluations', 'Evaluations', '/evaluations'],
];

const sectionOf = { overview: 'overview', jobs: 'jobs', job: 'jobs', documents: 'documents', document: 'documents', evaluations: 'evaluations', evaluation: 'evaluations', compare: 'evaluations' };

export function AppShell({ route, children }) {
  const active = sectionOf[route.name];
  return html`<div class="shell">
    <header class="topbar">
      <a class="brand" href=${href('/')}><svg viewBox="0 0 32 32" width="22" height="22" aria-hidden="true"><rect x="3" y="3" width="26" height="26" rx="6" fill="#3b5bdb"/><path d="M16 8l7 4v8l-7 4-7-4v-8z" fill="none" stroke="#fff" stroke-width="2"/></svg>Holocron</a>
      <nav>${sections.map(([key, label, path]) => html`<a href=${href(path)} class=${active === key ? 'active' : ''}>${label}</a>`)}</nav>
      <span class="spacer"></span>
      <${LiveIndicator} />
    </header>
    <main class="page">${children}</main>
  </div>`;
}
