/** One lake file's content, fetched through the API (which checks its sha256 first), highlighted when JSON. */
import { useEffect, useState } from 'preact/hooks';
import { getText } from '../lib/api.js';
import { html } from '../lib/html.js';
import { ErrorBox } from './error-box.js';
import { fileUrl } from './file-table.js';
import { JsonView } from './json-view.js';
import { Loading } from './loading.js';

/** Texts already fetched (files in the lake never change once written). */
const cache = new Map();

export function useFileText(attempt, name) {
  const key = attempt && name ? `${attempt.jobId}/${attempt.id}/${name}` : null;
  const [state, setState] = useState({ text: key ? cache.get(key) ?? null : null, error: null });
  useEffect(() => {
    if (!key) return setState({ text: null, error: null });
    if (cache.has(key)) return setState({ text: cache.get(key), error: null });
    const abort = new AbortController();
    setState({ text: null, error: null });
    getText(fileUrl(attempt, name), { signal: abort.signal }).then(
      (text) => {
        cache.set(key, text);
        if (!abort.signal.aborted) setState({ text, error: null });
      },
      (error) => !abort.signal.aborted && setState({ text: null, error }),
    );
    return () => abort.abort();
  }, [key]);
  return state;
}

export function FileViewer({ attempt, name }) {
  const { text, error } = useFileText(attempt, name);
  if (!name) return null;
  if (error) return html`<${ErrorBox} error=${error} what=${name} />`;
  if (text === null) return html`<${Loading} what=${name} />`;
  return html`<div class="file-viewer" data-open-file=${name}><${JsonView} text=${text} maxHeight="32rem" /></div>`;
}
