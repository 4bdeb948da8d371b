/**
 * Secrets never leave in what Holocron shows: a setting whose name says it holds one (password, token,
 * API key, secret, authorization) is replaced by `[redacted]`, and the password in a URL
 * (`postgres://user:password@host/db`) by `***`. Applies inside arrays and objects too.
 */
const secretEndings = ['password', 'passwd', 'secret', 'token', 'apikey', 'api_key', 'api-key', 'authorization', 'credential', 'credentials'];

/** `password`, `apiKey`, `accessToken`, `Authorization` — but not `maxTokens` or `tokenBudget`. */
function isSecretName(name: string): boolean {
  const lower = name.toLowerCase();
  return secretEndings.some((ending) => lower.endsWith(ending));
}

export function redactSecret(path: string, value: unknown): unknown {
  const name = path.slice(path.lastIndexOf('.') + 1);
  if (isSecretName(name) && value !== null && value !== undefined && value !== '') return '[redacted]';
  if (typeof value === 'string') return value.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
  if (Array.isArray(value)) return value.map((item, index) => redactSecret(`${path}.${index}`, item));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, redactSecret(`${path}.${key}`, child)]));
  }
  return value;
}
