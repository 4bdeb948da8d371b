/**
 * The canonical serialisation fingerprints and definition hashes are taken over (in the spirit of RFC
 * 8785, JSON Canonicalization Scheme): object keys sorted by UTF-16 code units, no whitespace, strings
 * as JSON.stringify writes them, numbers in ECMAScript's shortest round-trip form (`1`, `0.7`, `1e+21`;
 * `-0` as `0`), `undefined` object members left out. The same value gives the same text in every
 * process, on every machine and whatever database stored it. Non-finite numbers, BigInts and functions
 * are refused: they have no JSON form.
 */
import { createHash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonical JSON has no form for the number ${value}`);
      return Object.is(value, -0) ? '0' : String(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
      const entries = Object.keys(value)
        .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
        .sort()
        .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
      return `{${entries.join(',')}}`;
    }
    default:
      throw new TypeError(`canonical JSON has no form for a ${typeof value}`);
  }
}

export function sha256Hex(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

/** sha256 of a value's canonical JSON. */
export function canonicalHash(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
