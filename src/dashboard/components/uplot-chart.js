/**
 * A uPlot chart that follows its container's width and redraws when its data changes (the options are
 * built once per `optionsKey`). Used by the time series and the histograms.
 */
import uPlot from 'uplot';
import { useEffect, useRef } from 'preact/hooks';
import { html } from '../lib/html.js';

export function UplotChart({ options, data, height = 200, optionsKey = '', label }) {
  const holder = useRef(null);
  const chart = useRef(null);
  useEffect(() => {
    const element = holder.current;
    const width = Math.max(200, element.clientWidth);
    chart.current = new uPlot({ ...options, width, height }, data, element);
    const observer = new ResizeObserver(() => {
      const next = Math.max(200, element.clientWidth);
      if (chart.current && Math.abs(next - chart.current.width) > 2) chart.current.setSize({ width: next, height });
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.current?.destroy();
      chart.current = null;
    };
  }, [optionsKey, height]);
  useEffect(() => {
    if (chart.current) chart.current.setData(data);
  }, [data]);
  return html`<div class="chart" ref=${holder} role="img" aria-label=${label}></div>`;
}
