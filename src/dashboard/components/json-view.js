/** A JSON value (or a file's text) formatted and highlighted; long content scrolls inside a box. */
import { html } from '../lib/html.js';
import { highlightText, jsonTokens, prettyJson } from '../lib/json-tokens.js';

export function JsonView({ value, text, maxHeight }) {
  const shown = text !== undefined ? highlightText(text) : { kind: 'json', tokens: jsonTokens(prettyJson(value)) };
  return html`<pre class=${`code ${shown.kind}`} style=${maxHeight ? `max-height:${maxHeight}` : ''}>${shown.tokens.map((token) =>
    token.type === 'space' || token.type === 'text' || token.type === 'punct' ? token.text : html`<span class=${`j-${token.type}`}>${token.text}</span>`,
  )}</pre>`;
}
