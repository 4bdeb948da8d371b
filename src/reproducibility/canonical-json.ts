/**
 * The canonical serialisation fingerprints and definition hashes are taken over (in the spirit of RFC
 * 8785, JSON Canonicalization Scheme): object keys sorted by UTF-16 code units, no whitespace, strings
 * as JSON.stringify writes them, numbers in ECMAScript's shortest round-trip form (`1`, `0.7`, `1e+21`;
 * `-0` as `0`), `undefined` object members left out. The same value gives the same text in every
 * process, on every machine and whatever database stored it. Non-finite numbers, BigInts and functions
 * are refused: they have no JSON form.
 */
import { sha256Hex } from '../support/sha256-hex.ts';

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
      // Written with loops, not filter/map/join: every fingerprint and definition hash goes through here.
      if (Array.isArray(value)) {
        let text = '[';
        for (let index = 0; index < value.length; index++) {
          const item: unknown = value[index];
          // A hole is written as nothing (as Array.prototype.map/join did), an undefined item as null.
          text += `${index === 0 ? '' : ','}${!(index in value) ? '' : item === undefined ? 'null' : canonicalJson(item)}`;
        }
        return `${text}]`;
      }
      const keys = Object.keys(value).sort();
      let text = '{';
      for (const key of keys) {
        const item = (value as Record<string, unknown>)[key];
        if (item === undefined) continue;
        text += `${text.length === 1 ? '' : ','}${JSON.stringify(key)}:${canonicalJson(item)}`;
      }
      return `${text}}`;
    }
    default:
      throw new TypeError(`canonical JSON has no form for a ${typeof value}`);
  }
}

export { sha256Hex };

/** sha256 of a value's canonical JSON. */
export function canonicalHash(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
