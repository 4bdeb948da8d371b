/** Fetches a JSON API path into preact state: `{ data, error, loading, reload }`, refetching when the path changes. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { apiPath, getJson } from './api.js';

export function useApi(path, params = {}) {
  const url = path === null ? null : apiPath(path, params);
  const [result, setResult] = useState({ data: null, error: null, loading: url !== null });
  const controller = useRef(null);
  const load = useCallback(
    (quiet = false) => {
      if (url === null) return;
      controller.current?.abort();
      const abort = new AbortController();
      controller.current = abort;
      if (!quiet) setResult((previous) => ({ ...previous, loading: true }));
      getJson(url, {}, { signal: abort.signal }).then(
        (data) => !abort.signal.aborted && setResult({ data, error: null, loading: false }),
        (error) => !abort.signal.aborted && error?.name !== 'AbortError' && setResult((previous) => ({ data: quiet ? previous.data : null, error, loading: false })),
      );
    },
    [url],
  );
  useEffect(() => {
    setResult({ data: null, error: null, loading: url !== null });
    load();
    return () => controller.current?.abort();
  }, [url]);
  return { ...result, reload: load };
}

/** Calls `fn` at most once per `ms` (trailing call kept): for live refetches. */
export function throttle(fn, ms) {
  let timer = null;
  let last = 0;
  return (...args) => {
    const wait = Math.max(0, last + ms - Date.now());
    clearTimeout(timer);
    timer = setTimeout(() => {
      last = Date.now();
      fn(...args);
    }, wait);
  };
}
