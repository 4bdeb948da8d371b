/**
 * Reproduces how Ollama (a Go server) words things: Go-style quoting (%q), Go duration strings for
 * `keep_alive`, encoding/json error texts, and RFC 3339 timestamps with sub-millisecond digits.
 */

/** Go's %q for ASCII-safe text (JSON string escaping matches it closely enough). */
export function goQuote(text: string): string {
  return JSON.stringify(text);
}

const durationUnits: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

export type DurationParse = { milliseconds: number } | { error: string };

/** Go's time.ParseDuration, in milliseconds. */
export function parseGoDuration(text: string): DurationParse {
  const invalid = { error: `time: invalid duration ${goQuote(text)}` };
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return { milliseconds: 0 };
  if (rest === '') return invalid;
  let total = 0;
  while (rest.length > 0) {
    const number = /^(\d*)(\.\d*)?/.exec(rest)![0];
    if (number === '' || number === '.') return invalid;
    rest = rest.slice(number.length);
    const unit = /^[^\d.]*/.exec(rest)![0];
    if (unit === '') return { error: `time: missing unit in duration ${goQuote(text)}` };
    const scale = durationUnits[unit];
    if (scale === undefined) return { error: `time: unknown unit ${goQuote(unit)} in duration ${goQuote(text)}` };
    rest = rest.slice(unit.length);
    total += Number(number) * scale;
  }
  return { milliseconds: sign * total };
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
