/**
 * Values over time (epoch ms buckets): lines (latency percentiles), or stacked bars (throughput: each
 * series on top of the ones before it; the legend still shows each series' own value).
 */
import uPlot from 'uplot';
import { html } from '../lib/html.js';
import { UplotChart } from './uplot-chart.js';

/** series: [{ label, values: number[], color, unit? }], times: epoch milliseconds. */
export function TimeSeriesChart({ times, series, unit = '', height = 190, label, bars = false }) {
  const own = series.map((entry) => entry.values.map((value) => (value === null || value === undefined ? null : Number(value))));
  // Stacked bars: series k drawn at the sum of series 0..k, the tallest first so the others show on it.
  const drawn = bars ? own.map((_, k) => own[0].map((_, index) => own.slice(0, k + 1).reduce((sum, values) => sum + (values[index] ?? 0), 0))) : own;
  const order = bars ? series.map((_, k) => series.length - 1 - k) : series.map((_, k) => k);
  const data = [times.map((time) => time / 1000), ...order.map((k) => drawn[k])];
  const options = {
    legend: { live: true },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true }, y: { range: (_u, min, max) => [0, Math.max(1, max ?? 1) * 1.1] } },
    axes: [
      { stroke: '#6b7280', grid: { stroke: '#eef0f3' }, ticks: { stroke: '#e5e7eb' } },
      { stroke: '#6b7280', grid: { stroke: '#eef0f3' }, ticks: { stroke: '#e5e7eb' }, size: unit ? 70 : 52, values: (_u, ticks) => ticks.map((tick) => `${tick}${unit}`) },
    ],
    series: [
      {},
      ...order.map((k) => series[k]).map((entry, position) => ({
        label: entry.label,
        stroke: entry.color,
        fill: bars ? `${entry.color}cc` : `${entry.color}1a`,
        width: bars ? 0 : 2,
        // Lines: a dot per bucket, so a bucket alone between empty ones still shows.
        points: bars ? { show: false } : { show: true, size: 5, fill: entry.color },
        spanGaps: false,
        value: (_u, value, _series, index) => {
          const shown = bars && index !== null && index !== undefined ? own[order[position]][index] : value;
          return shown === null || shown === undefined ? '–' : `${Math.round(shown * 10) / 10}${unit}`;
        },
        ...(bars ? { paths: uPlot.paths.bars({ size: [0.8, 40], align: 0 }) } : {}),
      })),
    ],
  };
  return html`<${UplotChart} options=${options} data=${data} height=${height} optionsKey=${series.map((entry) => entry.label).join('|') + unit + bars} label=${label} />`;
}
