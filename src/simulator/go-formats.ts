/**
 * Reproduces how Ollama (a Go server) words things: Go-style quoting (%q), Go duration strings for
 * `keep_alive` (read by the project's one duration parser, `src/durations/`), encoding/json error
 * texts, and RFC 3339 timestamps with sub-millisecond digits.
 */
import { parseGoDuration, type DurationParse } from '../durations/go-duration.ts';

export { parseGoDuration, type DurationParse };

/** Go's %q for ASCII-safe text (JSON string escaping matches it closely enough). */
export function goQuote(text: string): string {
  return JSON.stringify(text);
}

/** Ollama's `keep_alive`: number = seconds, string = Go duration; negative = forever (Infinity). */
export function parseKeepAlive(value: unknown, defaultMilliseconds: number): DurationParse {
  if (value === undefined || value === null) return { milliseconds: defaultMilliseconds };
  if (typeof value === 'number') return { milliseconds: value < 0 ? Number.POSITIVE_INFINITY : value * 1000 };
  if (typeof value === 'string') {
    const parsed = parseGoDuration(value);
    if ('error' in parsed) return parsed;
    return { milliseconds: parsed.milliseconds < 0 ? Number.POSITIVE_INFINITY : parsed.milliseconds };
  }
  return { error: `Unsupported type: '${goTypeName(value)}'` };
}

function goTypeName(value: unknown): string {
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return '[]interface {}';
  return 'map[string]interface {}';
}

/** The JSON type word encoding/json uses in "cannot unmarshal X into ..." errors. */
export function goJsonTypeWord(value: unknown): string {
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'object' : typeof value;
}

/** encoding/json's wording for a body that does not parse. */
export function goJsonSyntaxError(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/end of JSON input|Unterminated string/i.test(message)) return 'unexpected EOF';
  const position = /position (\d+)/.exec(message);
  let character: string | undefined;
  if (position !== null) character = text[Number(position[1])];
  character ??= /Unexpected token '?(.)/.exec(message)?.[1];
  if (character === undefined) return 'unexpected EOF';
  return `invalid character ${goCharacterQuote(character)} looking for beginning of value`;
}

function goCharacterQuote(character: string): string {
  if (character === "'") return "'\\''";
  if (character === '\n') return "'\\n'";
  return `'${character}'`;
}

/** RFC 3339 UTC with up to microsecond digits and trailing zeros trimmed, as Go's RFC3339Nano prints. */
export function rfc3339Now(): string {
  return formatRfc3339(performance.timeOrigin + performance.now());
}

export function formatRfc3339(epochMilliseconds: number): string {
  const wholeMilliseconds = Math.floor(epochMilliseconds);
  const iso = new Date(wholeMilliseconds).toISOString();
  const microseconds = Math.floor((epochMilliseconds - wholeMilliseconds) * 1000);
  const fraction = `${iso.slice(20, 23)}${String(microseconds).padStart(3, '0')}`.replace(/0+$/, '');
  return `${iso.slice(0, 19)}${fraction === '' ? '' : `.${fraction}`}Z`;
}
