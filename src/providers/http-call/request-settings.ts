/** What every HTTP backend does with its settings alike: the base URL checked, the headers built and redacted for the record. */

/** Header names whose values never reach the wire record. */
const secretHeaderPattern = /authorization|api[-_]?key|token|secret|password|cookie/i;

/** An http: or https: URL without its trailing slashes; `label` names the backend in the error. */
export function normalizeBaseUrl(baseUrl: string, label: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch (error) {
    throw new TypeError(`${label} baseUrl "${baseUrl}" is not a valid URL`, { cause: error });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`${label} baseUrl "${baseUrl}" must be http: or https:`);
  return baseUrl.trim().replace(/\/+$/, '');
}

/** The defaults, then the extra headers, names lower-cased (HTTP names are case-insensitive). */
export function buildRequestHeaders(defaults: Record<string, string>, extra: Record<string, string> | undefined): Record<string, string> {
  const headers: Record<string, string> = { ...defaults };
  for (const [name, value] of Object.entries(extra ?? {})) headers[name.toLowerCase()] = value;
  return headers;
}

/** The headers as the lake records them: secrets replaced by `[redacted]`. */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, secretHeaderPattern.test(name) ? '[redacted]' : value]));
}

/** A body quoted in a message: white space folded, at most 120 characters. */
export function abbreviate(text: string): string {
  const collapsed = text.replace(/\s+/g, ' ').trim();
  if (collapsed.length === 0) return '(empty)';
  return JSON.stringify(collapsed.length > 120 ? `${collapsed.slice(0, 120)}…` : collapsed);
}
