/** Whether the page is receiving live updates (server-sent events on /api/events). */
import { html } from '../lib/html.js';
import { useLiveState } from '../lib/live-events.js';

const text = { connecting: 'connecting', live: 'live', reconnecting: 'reconnecting…', closed: 'offline' };

export function LiveIndicator() {
  const state = useLiveState();
  return html`<span class=${`live live-${state}`} title="live updates from /api/events" data-live=${state}><i></i>${text[state] ?? state}</span>`;
}
