/**
 * A delta with its confidence interval on a shared axis (a forest-plot row): the zero line, the
 * interval as a bar, the delta as a dot; green when it is a significant improvement, red for a
 * significant regression, grey otherwise.
 */
import { html } from '../lib/html.js';
import { formatDelta } from '../lib/format.js';

export function IntervalPlot({ delta, low, high, domain, verdict, width = 220, height = 22 }) {
  if (delta === null || delta === undefined) return html`<span class="muted">–</span>`;
  const [min, max] = domain;
  const span = max - min || 1;
  const x = (value) => 6 + ((Number(value) - min) / span) * (width - 12);
  const middle = height / 2;
  const lowX = x(low ?? delta);
  const highX = x(high ?? delta);
  return html`<svg class=${`interval ${verdict}`} width=${width} height=${height} viewBox=${`0 0 ${width} ${height}`} role="img"
    aria-label=${`delta ${formatDelta(delta)}, 95% interval ${formatDelta(low)} to ${formatDelta(high)}`}>
    <line class="zero" x1=${x(0)} x2=${x(0)} y1="2" y2=${height - 2} />
    <line class="range" x1=${lowX} x2=${highX} y1=${middle} y2=${middle} />
    <line class="cap" x1=${lowX} x2=${lowX} y1=${middle - 5} y2=${middle + 5} />
    <line class="cap" x1=${highX} x2=${highX} y1=${middle - 5} y2=${middle + 5} />
    <circle class="point" cx=${x(delta)} cy=${middle} r="4" />
  </svg>`;
}

/** An axis centred on zero that holds the interval (each metric has its own scale). */
export function intervalDomain(row) {
  let reach = 0;
  for (const value of [row.low, row.high, row.delta]) {
    if (value === null || value === undefined || !Number.isFinite(Number(value))) continue;
    reach = Math.max(reach, Math.abs(Number(value)));
  }
  const half = reach === 0 ? 1 : reach * 1.15;
  return [-half, half];
}
