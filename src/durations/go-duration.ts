/**
 * Durations as Ollama (a Go server) reads them: Go's `time.ParseDuration` ("5m", "1h30m", "1.5h",
 * "300ms", "-1m"), or a number of seconds. One parser for everything that takes a duration — the
 * configuration (file, environment), the command line and the simulator — so they never disagree on
 * what is valid.
 */

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

/** Go's time.ParseDuration, in milliseconds; an error worded as Go words it. */
export function parseGoDuration(text: string): DurationParse {
  const quoted = JSON.stringify(text);
  const invalid = { error: `time: invalid duration ${quoted}` };
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
    if (unit === '') return { error: `time: missing unit in duration ${quoted}` };
    const scale = durationUnits[unit];
    if (scale === undefined) return { error: `time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}` };
    rest = rest.slice(unit.length);
    total += Number(number) * scale;
  }
  return { milliseconds: sign * total };
}

export function isGoDuration(text: string): boolean {
  return !('error' in parseGoDuration(text));
}

/**
 * A keep-alive as a person writes it (a flag or an environment variable): a number is seconds (as
 * Ollama's own OLLAMA_KEEP_ALIVE reads it), anything else must be a Go duration. Returns the value to
 * send (a number or the duration text), or undefined when it is neither.
 */
export function parseKeepAliveText(text: string): number | string | undefined {
  const trimmed = text.trim();
  if (/^[-+]?\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  return isGoDuration(trimmed) ? trimmed : undefined;
}
