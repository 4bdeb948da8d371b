/** Lines over time (epoch ms buckets): throughput per bucket, latency percentiles. */
import uPlot from 'uplot';
import { html } from '../lib/html.js';
import { UplotChart } from './uplot-chart.js';

/** series: [{ label, values: number[], color, unit? }], times: epoch milliseconds. */
export function TimeSeriesChart({ times, series, unit = '', height = 190, label, bars = false }) {
  const data = [times.map((time) => time / 1000), ...series.map((entry) => entry.values.map((value) => (value === null || value === undefined ? null : Number(value))))];
  const options = {
    legend: { live: true },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true }, y: { range: (_u, min, max) => [0, Math.max(1, max ?? 1) * 1.1] } },
    axes: [
      { stroke: '#6b7280', grid: { stroke: '#eef0f3' }, ticks: { stroke: '#e5e7eb' } },
      { stroke: '#6b7280', grid: { stroke: '#eef0f3' }, ticks: { stroke: '#e5e7eb' }, size: 52, values: (_u, ticks) => ticks.map((tick) => `${tick}${unit}`) },
    ],
    series: [
      {},
      ...series.map((entry) => ({
        label: entry.label,
        stroke: entry.color,
        fill: bars ? `${entry.color}cc` : `${entry.color}1a`,
        width: bars ? 0 : 2,
        points: { show: false },
        spanGaps: false,
        value: (_u, value) => (value === null || value === undefined ? '–' : `${Math.round(value * 10) / 10}${unit}`),
        ...(bars ? { paths: uPlot.paths.bars({ size: [0.8, 40], align: 0 }) } : {}),
      })),
    ],
  };
  return html`<${UplotChart} options=${options} data=${data} height=${height} optionsKey=${series.map((entry) => entry.label).join('|') + unit + bars} label=${label} />`;
}
