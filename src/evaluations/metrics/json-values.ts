/**
 * JSON helpers the metrics share: canonical text (key order never matters), paths into answers
 * (`facts.birth_year`, `people[0].name`), the leaf paths of an expected value, and the normalisation
 * that makes "19" equal 19 and " Luke  Skywalker" equal "luke skywalker".
 */
import { createHash } from 'node:crypto';

/** JSON text with object keys sorted at every level: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, entry]) => entry !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`).join(',')}}`;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** `a.b[2].c` → ['a', 'b', 2, 'c']. Plain dotted segments; `[n]` indexes an array. */
export function parsePath(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  for (const part of path.split('.')) {
    if (part === '') throw new Error(`The path "${path}" has an empty segment.`);
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!match) throw new Error(`The path "${path}" is not of the form a.b[0].c.`);
    if (match[1]) segments.push(match[1]);
    for (const index of match[2]!.matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  return segments;
}

/** The value at a path, or undefined when any step is missing. */
export function valueAtPath(value: unknown, path: string | readonly (string | number)[]): unknown {
  const segments = typeof path === 'string' ? parsePath(path) : path;
  let current: unknown = value;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    if (typeof segment === 'number') {
      if (!Array.isArray(current)) return undefined;
      current = current[segment];
    } else {
      if (Array.isArray(current)) return undefined;
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return current;
}

/** Paths to every scalar (and every empty object or array) in a value, in document order. */
export function leafPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object') return prefix === '' ? [] : [prefix];
  if (Array.isArray(value)) {
    if (value.length === 0) return prefix === '' ? [] : [prefix];
    return value.flatMap((entry, index) => leafPaths(entry, `${prefix}[${index}]`));
  }
  const keys = Object.keys(value as Record<string, unknown>);
  if (keys.length === 0) return prefix === '' ? [] : [prefix];
  return keys.flatMap((key) => leafPaths((value as Record<string, unknown>)[key], prefix === '' ? key : `${prefix}.${key}`));
}

export interface NormalizeOptions {
  /** Trim, collapse inner whitespace and compare case-insensitively (default true). */
  strings?: boolean;
  /** A string that reads as a number equals that number ("19" = 19, "1,000" = 1000) (default true). */
  numbers?: boolean;
}

/** The comparable form of a value under the options (deep, for objects and arrays). */
export function normalizeValue(value: unknown, options: NormalizeOptions = {}): unknown {
  const strings = options.strings ?? true;
  const numbers = options.numbers ?? true;
  if (typeof value === 'string') {
    if (numbers) {
      const numeric = value.trim().replace(/(?<=\d),(?=\d{3}\b)/g, '');
      if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(numeric)) return Number(numeric);
    }
    return strings ? value.trim().replace(/\s+/g, ' ').toLowerCase() : value;
  }
  if (Array.isArray(value)) return value.map((entry) => normalizeValue(entry, options));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, normalizeValue(entry, options)]));
  }
  return value;
}

export function valuesEqual(actual: unknown, expected: unknown, options: NormalizeOptions = {}): boolean {
  if (actual === undefined || expected === undefined) return actual === expected;
  return canonicalJson(normalizeValue(actual, options)) === canonicalJson(normalizeValue(expected, options));
}
