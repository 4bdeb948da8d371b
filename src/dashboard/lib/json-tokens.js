/**
 * Highlighting for JSON: pretty-prints a value (or JSON text) and splits it into typed tokens the page
 * colours (`key`, `string`, `number`, `boolean`, `null`, `punct`, `space`). Text that is not JSON comes
 * back as one `text` token, and NDJSON (one value a line) line by line.
 */

const tokenPattern = /("(?:[^"\\]|\\.)*")(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(true|false)|(null)|([{}[\],:])|(\s+)/g;

/** Pretty JSON text for a value. */
export function prettyJson(value) {
  return JSON.stringify(value, null, 2) ?? 'undefined';
}

/** Tokens of pretty-printed JSON text. */
export function jsonTokens(prettyText) {
  const tokens = [];
  let last = 0;
  for (const match of prettyText.matchAll(tokenPattern)) {
    if (match.index > last) tokens.push({ type: 'text', text: prettyText.slice(last, match.index) });
    if (match[1] !== undefined) {
      if (match[2] !== undefined) {
        tokens.push({ type: 'key', text: match[1] });
        tokens.push({ type: 'punct', text: match[2] });
      } else tokens.push({ type: 'string', text: match[1] });
    } else if (match[3] !== undefined) tokens.push({ type: 'number', text: match[3] });
    else if (match[4] !== undefined) tokens.push({ type: 'boolean', text: match[4] });
    else if (match[5] !== undefined) tokens.push({ type: 'null', text: match[5] });
    else if (match[6] !== undefined) tokens.push({ type: 'punct', text: match[6] });
    else tokens.push({ type: 'space', text: match[7] });
    last = match.index + match[0].length;
  }
  if (last < prettyText.length) tokens.push({ type: 'text', text: prettyText.slice(last) });
  return tokens;
}

/**
 * A file's text as `{ kind: 'json' | 'ndjson' | 'text', pretty, tokens }`: JSON pretty-printed and
 * tokenized, NDJSON each line pretty on one line, anything else as it is.
 */
export function highlightText(text) {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      const pretty = prettyJson(JSON.parse(trimmed));
      return { kind: 'json', pretty, tokens: jsonTokens(pretty) };
    } catch {
      const lines = trimmed.split(/\r?\n/).filter((line) => line.trim() !== '');
      try {
        const pretty = lines.map((line) => JSON.stringify(JSON.parse(line))).join('\n');
        return { kind: 'ndjson', pretty, tokens: jsonTokens(pretty) };
      } catch {
        // not JSON after all
      }
    }
  }
  return { kind: 'text', pretty: text, tokens: [{ type: 'text', text }] };
}
