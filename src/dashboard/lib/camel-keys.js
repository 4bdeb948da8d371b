/**
 * Rows from the documents and evaluation stores come as `--json` prints them (snake_case columns); the
 * queue's read models are camelCase. The pages read one spelling: keys made camelCase, one level deep
 * (values such as inputs and outputs keep their own keys).
 */
export function camelKeys(row) {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) return row;
  const out = {};
  for (const [key, value] of Object.entries(row)) out[key.replace(/_([a-z0-9])/g, (_, letter) => letter.toUpperCase())] = value;
  return out;
}
