/**
 * The dashboard's only way to the data: the same JSON API users script (/api/…). Errors come back as
 * `{ error: { code, message } }`; they are thrown as ApiError. A 401 also tells the app to ask for a token.
 */

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function apiPath(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    query.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  const text = query.toString();
  return `${path}${text ? `?${text}` : ''}`;
}

async function request(method, path, body, { signal } = {}) {
  let response;
  try {
    response = await fetch(path, {
      method,
      signal,
      credentials: 'same-origin',
      headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    throw new ApiError(0, 'unreachable', `The server did not answer (${error?.message ?? error}).`);
  }
  if (response.status === 401) window.dispatchEvent(new CustomEvent('holocron:unauthorized'));
  if (response.status === 204) return null;
  const text = await response.text();
  let value = null;
  try {
    value = text === '' ? null : JSON.parse(text);
  } catch {
    if (!response.ok) throw new ApiError(response.status, 'http_error', `${response.status} ${response.statusText}: ${text.slice(0, 200)}`);
    throw new ApiError(response.status, 'bad_json', `${path} did not return JSON.`);
  }
  if (!response.ok) {
    const error = value?.error ?? {};
    throw new ApiError(response.status, error.code ?? 'http_error', error.message ?? `${response.status} ${response.statusText}`);
  }
  return value;
}

export const getJson = (path, params, options) => request('GET', apiPath(path, params), undefined, options);
export const postJson = (path, body = {}) => request('POST', path, body);

/** A lake file's text (checked against its sha256 by the server before it streams). */
export async function getText(path, { signal } = {}) {
  const response = await fetch(path, { signal, credentials: 'same-origin' });
  const text = await response.text();
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    let code = 'http_error';
    try {
      const error = JSON.parse(text).error;
      message = error?.message ?? message;
      code = error?.code ?? code;
    } catch {
      // not JSON
    }
    throw new ApiError(response.status, code, message);
  }
  return text;
}
