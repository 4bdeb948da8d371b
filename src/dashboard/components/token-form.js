/** Asks for the API token when the server wants one; it is kept by the server as an HttpOnly cookie. */
import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { signIn } from '../lib/session.js';

export function TokenForm({ onDone }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    try {
      await signIn(token.trim());
      setError(null);
      onDone?.();
    } catch (failure) {
      setError(failure.message);
    }
  };
  return html`<form class="token-form card" onSubmit=${submit}>
    <h2>This server needs a token</h2>
    <p class="muted">Paste the value of <code>HOLOCRON_API_TOKEN</code> (or its read-only token). It is sent once and kept as a same-site cookie.</p>
    <input type="password" autocomplete="current-password" value=${token} onInput=${(event) => setToken(event.target.value)} placeholder="token" aria-label="API token" />
    <button class="button primary" type="submit" disabled=${token.trim() === ''}>Sign in</button>
    ${error ? html`<p class="error-text">${error}</p>` : null}
  </form>`;
}
