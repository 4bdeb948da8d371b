/** An attempt's lake files: name, kind, size and sha256; each opens in the viewer or downloads as is. */
import { html } from '../lib/html.js';
import { formatBytes } from '../lib/format.js';

export function fileName(artifact) {
  return String(artifact.lakePath ?? artifact.path ?? '').split('/').pop();
}

/** The API's route for one of a job's attempt's files (the server checks its sha256 before sending it). */
export function fileUrl(attempt, name, { download = false } = {}) {
  return `/api/jobs/${encodeURIComponent(attempt.jobId)}/attempts/${encodeURIComponent(attempt.id)}/files/${encodeURIComponent(name)}${download ? '?download=true' : ''}`;
}

export function FileTable({ attempt, artifacts, openName, onOpen }) {
  if (artifacts.length === 0) return html`<p class="muted">This attempt wrote no files.</p>`;
  return html`<table class="table files">
    <thead><tr><th>file</th><th>kind</th><th class="num">size</th><th>sha256</th><th></th></tr></thead>
    <tbody>
      ${artifacts.map((artifact) => {
        const name = fileName(artifact);
        return html`<tr class=${openName === name ? 'selected' : ''} data-file=${name}>
          <td><button class="link" onClick=${() => onOpen(name)}>${name}</button></td>
          <td>${artifact.type}</td>
          <td class="num">${formatBytes(artifact.bytes)}</td>
          <td><code class="hash" title=${artifact.sha256} data-sha256=${artifact.sha256}>${artifact.sha256}</code></td>
          <td><a href=${fileUrl(attempt, name, { download: true })} download=${name} class="muted">download</a></td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}
