/** A metric's distribution: the run's histogram (`{ edges, counts }`) as bars. */
import uPlot from 'uplot';
import { html } from '../lib/html.js';
import { formatValue } from '../lib/format.js';
import { UplotChart } from './uplot-chart.js';

export function HistogramChart({ histogram, label, height = 140, color = '#3b5bdb' }) {
  const edges = histogram?.edges ?? [];
  const counts = histogram?.counts ?? [];
  if (counts.length === 0) return html`<p class="muted">No values.</p>`;
  const low = Number(edges[0] ?? 0);
  const high = Number(edges.at(-1) ?? counts.length);
  // Every value the same (edges [v, v]): one bar, on an axis of width 1 around it.
  const degenerate = !(high > low);
  const width = degenerate ? 1 : (high - low) / counts.length;
  const centers = counts.map((_, index) => (degenerate ? low : edges.length > index + 1 ? (Number(edges[index]) + Number(edges[index + 1])) / 2 : low + width * (index + 0.5)));
  const range = degenerate ? [low - 0.75, low + 0.75] : [low - width * 0.05, high + width * 0.05];
  const options = {
    legend: { show: false },
    cursor: { show: true, drag: { x: false, y: false }, points: { show: false } },
    scales: {
      x: { time: false, range: () => range },
      y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.15] },
    },
    axes: [
      { stroke: '#6b7280', grid: { show: false }, ticks: { stroke: '#e5e7eb' }, values: (_u, ticks) => ticks.map((tick) => formatValue(tick)) },
      { stroke: '#6b7280', grid: { stroke: '#eef0f3' }, size: 40 },
    ],
    series: [{}, { label: 'items', fill: `${color}cc`, stroke: color, width: 0, paths: uPlot.paths.bars({ size: [degenerate ? 0.3 : 0.92, Infinity], align: 0 }), points: { show: false } }],
  };
  return html`<div class="histogram" data-metric=${label}>
    <${UplotChart} options=${options} data=${[centers, counts]} height=${height} optionsKey=${`${label}:${edges.join(',')}`} label=${`distribution of ${label}`} />
  </div>`;
}
