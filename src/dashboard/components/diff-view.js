/** A unified line diff between two texts (what a retry changed), in hunks with context. */
import { html } from '../lib/html.js';
import { diffHunks, diffLines, diffStats } from '../lib/line-diff.js';

const marks = { equal: ' ', add: '+', remove: '−' };

export function DiffView({ before, after, beforeLabel, afterLabel }) {
  const ops = diffLines(before, after);
  const hunks = diffHunks(ops, 3);
  const { added, removed } = diffStats(ops);
  return html`<div class="diff" data-added=${added} data-removed=${removed}>
    <div class="diff-head">
      <span class="diff-old">− ${beforeLabel}</span><span class="diff-new">+ ${afterLabel}</span>
      <span class="diff-stats"><b class="add">+${added}</b> <b class="remove">−${removed}</b> lines</span>
    </div>
    ${hunks.length === 0
      ? html`<p class="muted">The two are the same.</p>`
      : html`<pre class="code diff-body">${hunks.map(
          (hunk) => html`${hunk.skippedBefore > 0 ? html`<span class="diff-skip">⋯ ${hunk.skippedBefore} unchanged line${hunk.skippedBefore === 1 ? '' : 's'}\n</span>` : null}${hunk.lines.map(
            (line) => html`<span class=${`diff-line ${line.op}`}><span class="ln">${line.oldLine ?? ''}</span><span class="ln">${line.newLine ?? ''}</span>${marks[line.op]} ${line.text}\n</span>`,
          )}`,
        )}</pre>`}
  </div>`;
}
