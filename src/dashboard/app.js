/** The dashboard's entry: the hash router choosing a page inside the shell; a token form when the API asks for one. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { html } from './lib/html.js';
import { loadSession } from './lib/session.js';
import { href, useRoute } from './lib/use-route.js';
import { AppShell } from './components/app-shell.js';
import { TokenForm } from './components/token-form.js';
import { ComparisonPage } from './pages/comparison-page.js';
import { DocumentPage } from './pages/document-page.js';
import { DocumentsPage } from './pages/documents-page.js';
import { EvaluationRunPage } from './pages/evaluation-run-page.js';
import { EvaluationsPage } from './pages/evaluations-page.js';
import { JobPage } from './pages/job-page.js';
import { JobsPage } from './pages/jobs-page.js';
import { OverviewPage } from './pages/overview-page.js';

const pages = {
  overview: OverviewPage,
  jobs: JobsPage,
  job: JobPage,
  documents: DocumentsPage,
  document: DocumentPage,
  evaluations: EvaluationsPage,
  evaluation: EvaluationRunPage,
  compare: ComparisonPage,
};

const titles = { overview: 'Overview', jobs: 'Jobs', job: 'Job', documents: 'Documents', document: 'Document', evaluations: 'Evaluations', evaluation: 'Evaluation run', compare: 'Compare runs' };

function NotFound({ route }) {
  return html`<div class="card"><h1>No such view</h1><p class="muted">Nothing lives at <code>#${route.path}</code>. Start from the <a href=${href('/')}>overview</a>.</p></div>`;
}

function App() {
  const route = useRoute();
  const [needsToken, setNeedsToken] = useState(false);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    const ask = () => setNeedsToken(true);
    window.addEventListener('holocron:unauthorized', ask);
    return () => window.removeEventListener('holocron:unauthorized', ask);
  }, []);
  useEffect(() => {
    const title = titles[route.name];
    const id = route.params.id ?? route.params.docId;
    document.title = `${title ? `${title}${id ? ` ${id}` : ''} · ` : ''}Holocron`;
    window.scrollTo(0, 0);
  }, [route.path]);
  const Page = pages[route.name] ?? NotFound;
  return html`<${AppShell} route=${route}>
    ${needsToken
      ? html`<${TokenForm} onDone=${() => { setNeedsToken(false); setGeneration(generation + 1); }} />`
      : html`<${Page} key=${`${route.path}#${generation}`} route=${route} />`}
  </${AppShell}>`;
}

loadSession();
const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
