/**
 * A job's attempts on one time axis: each attempt a bar from its start to its end, coloured by outcome,
 * with the gaps between them (backoff) visible; clicking one selects it. Rows come keyed (lib/attempt-keys.js).
 */
import { html } from '../lib/html.js';
import { formatMs, formatTime } from '../lib/format.js';

export function AttemptTimeline({ attempts, selected, onSelect, createdAt }) {
  if (attempts.length === 0) return html`<p class="muted">No attempt yet.</p>`;
  const start = Math.min(Number(createdAt ?? attempts[0].startedAt), ...attempts.map((attempt) => Number(attempt.startedAt)));
  const end = Math.max(...attempts.map((attempt) => Number(attempt.completedAt || attempt.startedAt)));
  const span = Math.max(1, end - start);
  const width = 100;
  return html`<div class="timeline">
    <div class="timeline-axis"><span>${formatTime(start)}</span><span>${formatMs(span)} in all</span><span>${formatTime(end)}</span></div>
    <div class="timeline-track">
      ${attempts.map((attempt) => {
        const left = ((Number(attempt.startedAt) - start) / span) * width;
        const barWidth = Math.max(1.2, ((Number(attempt.completedAt || attempt.startedAt) - Number(attempt.startedAt)) / span) * width);
        return html`<button
          class=${`timeline-bar status-${String(attempt.status).toLowerCase()} ${selected === attempt.key ? 'selected' : ''}`}
          style=${`left:${Math.min(left, 98.8)}%;width:${barWidth}%`}
          title=${`attempt ${attempt.label}: ${attempt.status}${attempt.errorCode ? ` (${attempt.errorCode})` : ''}, ${formatMs(attempt.durationMs)}`}
          onClick=${() => onSelect(attempt.key)}
        ></button>`;
      })}
    </div>
    <ol class="timeline-list">
      ${attempts.map(
        (attempt) => html`<li class=${selected === attempt.key ? 'selected' : ''}>
          <button class="link" onClick=${() => onSelect(attempt.key)} data-attempt=${attempt.key}>
            <i class=${`dot status-${String(attempt.status).toLowerCase()}`}></i>
            <b>${attempt.label}</b> ${String(attempt.status).toLowerCase()}${attempt.errorCode ? html` · <code>${attempt.errorCode}</code>` : null}
            <span class="muted"> · ${formatMs(attempt.durationMs)} · ${formatTime(attempt.startedAt)}</span>
          </button>
        </li>`,
      )}
    </ol>
  </div>`;
}
