/** One document: its fields (stale marked, with why), and its lineage graph — ancestors and descendants. */
import { camelKeys } from '../lib/camel-keys.js';
import { formatCount, formatTime } from '../lib/format.js';
import { html } from '../lib/html.js';
import { useApi } from '../lib/use-api.js';
import { href } from '../lib/use-route.js';
import { Card } from '../components/card.js';
import { FileViewer } from '../components/file-viewer.js';
import { ErrorBox } from '../components/error-box.js';
import { JsonView } from '../components/json-view.js';
import { LineageGraph } from '../components/lineage-graph.js';
import { Loading } from '../components/loading.js';
import { StatusBadge } from '../components/status-badge.js';

export function DocumentPage({ route }) {
  const docId = route.params.docId;
  const documentResult = useApi(`/api/documents/${encodeURIComponent(docId)}`);
  const lineage = useApi(`/api/documents/${encodeURIComponent(docId)}/lineage`);
  if (documentResult.error) return html`<${ErrorBox} error=${documentResult.error} what=${`document ${docId}`} />`;
  if (!documentResult.data) return html`<${Loading} what=${`document ${docId}`} />`;
  const doc = camelKeys(documentResult.data.document ?? documentResult.data);
  const link = (id) => (id ? html`<a href=${href(`/documents/${encodeURIComponent(id)}`)}><code>${id}</code></a>` : null);
  const fields = [
    ['stage', doc.stage],
    ['status', html`<${StatusBadge} status=${doc.status} />`],
    ['task', doc.taskId],
    ['source', doc.sourceId],
    ['parent', link(doc.parentDocId)],
    ['supersedes', link(doc.lineagePrevDocId)],
    ['template', doc.templateId],
    ['model', doc.modelId ? html`${doc.modelId}${doc.modelDigest ? html` <code class="muted small">${String(doc.modelDigest).slice(0, 12)}</code>` : null}` : null],
    ['run label', doc.runLabel],
    ['parser', doc.parser],
    ['tokens', doc.usagePromptTokens !== null && doc.usagePromptTokens !== undefined ? `${formatCount(doc.usagePromptTokens)} prompt · ${formatCount(doc.usageCompletionTokens ?? 0)} completion` : null],
    ['raw', doc.rawSha256 ? html`${formatCount(doc.rawChars)} chars · <code class="hash">${doc.rawSha256}</code>` : null],
    ['parsed', doc.parsedSha256 ? html`${formatCount(doc.parsedChars)} chars · <code class="hash">${doc.parsedSha256}</code>` : null],
    ['job', doc.jobId !== null && doc.jobId !== undefined ? html`<a href=${href(`/jobs/${doc.jobId}`)}>job ${doc.jobId}</a>` : null],
    ['created', formatTime(doc.createdAt)],
    ['folder', doc.folder ?? doc.docDir ? html`<code>${doc.folder ?? doc.docDir}</code>` : null],
  ].filter(([, value]) => value !== null && value !== undefined && value !== '');
  return html`<div data-page="document" data-stale=${doc.stale ? 'true' : 'false'}>
    <div class="page-head"><h1>Document <code>${doc.docId}</code> ${doc.stale ? html`<span class="badge stale">stale</span>` : null}</h1></div>
    ${doc.stale
      ? html`<div class="notice warn">This document is stale${doc.staleReasons?.length ? html`: ${doc.staleReasons.join(', ').replaceAll('_', ' ')}` : ''}. Rebuild it with <code>holocron pipeline rebuild --stale</code>.</div>`
      : null}
    <${Card} title="Lineage" actions=${html`<span class="muted small">ancestors ← document → descendants · dashed: stale</span>`}>
      ${lineage.error ? html`<${ErrorBox} error=${lineage.error} what="the lineage" />` : lineage.data ? html`<${LineageGraph} lineage=${lineageOf(lineage.data)} focusId=${doc.docId} />` : html`<${Loading} what="the lineage" />`}
    </${Card}>
    ${doc.jobId !== null && doc.jobId !== undefined && doc.attemptId
      ? html`<${Card} title="Content" actions=${html`<a class="muted small" href=${href(`/jobs/${doc.jobId}`, { attempt: undefined, file: contentFile(doc) })}>the attempt's files</a>`}>
          <${FileViewer} attempt=${{ jobId: doc.jobId, id: doc.attemptId }} name=${contentFile(doc)} />
        </${Card}>`
      : null}
    <div class="grid two">
      <${Card} title="Fields"><dl class="fields">${fields.map(([name, value]) => html`<dt>${name}</dt><dd>${value}</dd>`)}</dl></${Card}>
      ${doc.metaSmall ? html`<${Card} title="Metadata"><${JsonView} value=${doc.metaSmall} /></${Card}>` : null}
    </div>
  </div>`;
}

/** What the document holds: its parsed text, else its structured output, else the raw answer. */
function contentFile(doc) {
  return doc.metaSmall?.parsed_file ?? 'raw.txt';
}

/** `{ nodes, edges }` as the API sends it, node keys camelCase. */
function lineageOf(data) {
  const graph = data.graph ?? data;
  return { nodes: (graph.nodes ?? []).map(camelKeys), edges: graph.edges ?? [] };
}
