/**
 * What a retry told the model: one file (the prompt by default) of two attempts, diffed line by line;
 * JSON files are pretty-printed first so the diff is by field.
 */
import { html } from '../lib/html.js';
import { highlightText } from '../lib/json-tokens.js';
import { DiffView } from './diff-view.js';
import { ErrorBox } from './error-box.js';
import { fileName } from './file-table.js';
import { useFileText } from './file-viewer.js';
import { Loading } from './loading.js';

const preferred = ['prompt.txt', 'request.json', 'raw.txt', 'response.json', 'output.json', 'error.json'];

export function diffableNames(before, after) {
  const common = before.artifacts.map(fileName).filter((name) => after.artifacts.some((artifact) => fileName(artifact) === name));
  return [...preferred.filter((name) => common.includes(name)), ...common.filter((name) => !preferred.includes(name))];
}

export function AttemptDiff({ before, after, name }) {
  const left = useFileText(before, name);
  const right = useFileText(after, name);
  if (left.error || right.error) return html`<${ErrorBox} error=${left.error ?? right.error} what=${name} />`;
  if (left.text === null || right.text === null) return html`<${Loading} what=${name} />`;
  return html`<${DiffView} before=${highlightText(left.text).pretty} after=${highlightText(right.text).pretty}
    beforeLabel=${`attempt ${before.label ?? `#${before.number}`} ${name}`} afterLabel=${`attempt ${after.label ?? `#${after.number}`} ${name}`} />`;
}
