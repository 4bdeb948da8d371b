/**
 * A document's lineage as SVG: ancestors left, the document in the middle, descendants right; each
 * node links to its own page; stale documents are drawn dashed in amber and say so.
 */
import { html } from '../lib/html.js';
import { layoutLineage } from '../lib/lineage-layout.js';
import { href } from '../lib/use-route.js';

const nodeWidth = 168;
const nodeHeight = 40;

export function LineageGraph({ lineage, focusId }) {
  const columnWidth = nodeWidth + 48;
  const rowHeight = nodeHeight + 16;
  const { positions, edges, width, height } = layoutLineage(lineage, focusId, { columnWidth, rowHeight });
  const svgWidth = Math.max(width - 48, nodeWidth) + 8;
  const svgHeight = height + 8;
  return html`<div class="lineage-scroll">
    <svg class="lineage" width=${svgWidth} height=${svgHeight} viewBox=${`-4 -4 ${svgWidth} ${svgHeight}`} role="img" aria-label="document lineage">
      <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#9aa3b2" /></marker></defs>
      ${edges.map((edge) => {
        const x1 = edge.source.x + nodeWidth;
        const y1 = edge.source.y + nodeHeight / 2;
        const x2 = edge.target.x;
        const y2 = edge.target.y + nodeHeight / 2;
        const bend = (x2 - x1) / 2;
        return html`<path class="edge" d=${`M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2 - 2} ${y2}`} marker-end="url(#arrow)" />`;
      })}
      ${[...positions.entries()].map(([docId, position]) => {
        const node = position.node ?? {};
        const classes = ['node', docId === focusId ? 'focus' : '', node.stale ? 'stale' : ''].join(' ');
        return html`<a href=${href(`/documents/${encodeURIComponent(docId)}`)} data-doc=${docId} data-stale=${node.stale ? 'true' : 'false'}>
          <g class=${classes} transform=${`translate(${position.x} ${position.y})`}>
            <title>${docId}${node.stale ? ' — stale' : ''}</title>
            <rect width=${nodeWidth} height=${nodeHeight} rx="7" />
            <text x="10" y="16" class="node-id">${docId}</text>
            <text x="10" y="31" class="node-meta">${[node.stage, node.status, node.stale ? 'STALE' : null].filter(Boolean).join(' · ')}</text>
          </g>
        </a>`;
      })}
    </svg>
  </div>`;
}
