/**
 * A button that acts through the API: it asks first when `confirm` is given, shows that it is busy,
 * and reports the result (or the API's error) beside itself.
 */
import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';

export function ActionButton({ label, action, confirm: question, onDone, tone = '', disabled = false, name }) {
  const [state, setState] = useState({ busy: false, message: null, failed: false });
  const run = async () => {
    if (question && !window.confirm(question)) return;
    setState({ busy: true, message: null, failed: false });
    try {
      const result = await action();
      const message = typeof result === 'string' ? result : null;
      setState({ busy: false, message, failed: false });
      onDone?.(message ?? result);
    } catch (error) {
      setState({ busy: false, message: error.message, failed: true });
    }
  };
  return html`<span class="action">
    <button class=${`button ${tone}`} onClick=${run} disabled=${disabled || state.busy} data-action=${name ?? label}>${state.busy ? '…' : label}</button>
    ${state.message ? html`<span class=${state.failed ? 'error-text' : 'ok-text'} role="status">${state.message}</span>` : null}
  </span>`;
}
