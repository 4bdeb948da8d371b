/** The current hash route as preact state, and navigation that keeps every view's URL shareable. */
import { useEffect, useState } from 'preact/hooks';
import { buildHash, matchRoute, parseHash } from './hash-route.js';

export const routes = [
  ['/', 'overview'],
  ['/jobs', 'jobs'],
  ['/jobs/:id', 'job'],
  ['/documents', 'documents'],
  ['/documents/:docId', 'document'],
  ['/evaluations', 'evaluations'],
  ['/evaluations/compare', 'compare'],
  ['/evaluations/:id', 'evaluation'],
];

function current() {
  const { path, query } = parseHash(window.location.hash);
  return { path, query, ...matchRoute(routes, path) };
}

export function useRoute() {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const update = () => setRoute(current());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}

/** Goes to a view; `replace` changes the URL without a new history entry (filter typing). */
export function navigate(path, params = {}, { replace = false } = {}) {
  const hash = buildHash(path, params);
  if (hash === window.location.hash) return;
  if (replace) {
    history.replaceState(null, '', hash);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else window.location.hash = hash;
}

export const href = buildHash;
