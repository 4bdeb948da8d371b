/**
 * Hash routes: every view is `#/<path>?<filters>`, so a URL copied from the address bar opens the same
 * view with the same filters. Pure functions here; the preact hook is in use-route.js.
 */

/** `#/jobs/12?status=DEADLETTER` → `{ path: '/jobs/12', query: URLSearchParams }`. */
export function parseHash(hash) {
  const text = String(hash ?? '').replace(/^#/, '');
  const at = text.indexOf('?');
  const rawPath = at < 0 ? text : text.slice(0, at);
  const path = `/${rawPath.replace(/^\/+/, '').replace(/\/+$/, '')}`;
  return { path, query: new URLSearchParams(at < 0 ? '' : text.slice(at + 1)) };
}

/** A hash for a path and parameters; empty, null and undefined parameters are left out. */
export function buildHash(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    query.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  const text = query.toString();
  return `#${path}${text ? `?${text}` : ''}`;
}

/**
 * The first route whose pattern matches the path: `{ name, params }`, params decoded; patterns are
 * `/jobs/:id`-style. No match: `{ name: 'not-found', params: {} }`.
 */
export function matchRoute(routes, path) {
  const parts = path.split('/').filter(Boolean);
  for (const [pattern, name] of routes) {
    const expected = pattern.split('/').filter(Boolean);
    if (expected.length !== parts.length) continue;
    const params = {};
    let ok = true;
    for (let index = 0; index < expected.length; index += 1) {
      const want = expected[index];
      if (want.startsWith(':')) {
        try {
          params[want.slice(1)] = decodeURIComponent(parts[index]);
        } catch {
          ok = false;
          break;
        }
      } else if (want !== parts[index]) {
        ok = false;
        break;
      }
    }
    if (ok) return { name, params };
  }
  return { name: 'not-found', params: {} };
}
