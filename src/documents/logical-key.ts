/**
 * The logical key groups the attempts of one logical product: the same stage, from the same source
 * (an input item for a first stage; for a later stage, the parent's logical key), with the same template
 * and model. Keying a child by its parent's logical key rather than the parent's doc_id means an essay
 * rebuilt on a newer attempt of its facts is a new attempt of the same essay — it supersedes the old
 * one, and "latest" and staleness follow. It is a pure function of those four strings — no clock, no randomness, no database — so every
 * process and every database computes the same key: 16 characters of base36 from sha256.
 */
import { sha256Hex } from '../support/sha256-hex.ts';

export interface LogicalKeyParts {
  stage: string;
  /** The input item's id for a first stage; the parent's logical_key_id for a later one. */
  source: string;
  template: string;
  model: string;
}

export const logicalKeyLength = 16;

export function logicalKeyId(parts: LogicalKeyParts): string {
  // JSON of a fixed-order array: no separator inside a part can make two tuples collide.
  const canonical = JSON.stringify([parts.stage, parts.source, parts.template, parts.model]);
  // The first 80 bits (20 hex digits): below 36^16, so the base36 form always fits in 16 characters.
  const value = BigInt(`0x${sha256Hex(canonical).slice(0, 20)}`);
  return value.toString(36).padStart(logicalKeyLength, '0');
}

/** sha256 hex of a string or of a value's canonical JSON (object keys sorted). */
export function contentHash(value: unknown): string {
  const text = typeof value === 'string' ? value : canonicalJson(value);
  return sha256Hex(text);
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
