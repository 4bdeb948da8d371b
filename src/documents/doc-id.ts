/**
 * Short document IDs: 14 characters of base62 (about 83 bits) from the operating system's CSPRNG, one
 * per attempt. No `_vN` suffix: a new attempt is a new ID, and the attempts of one logical product are
 * grouped by their `logical_key_id` instead.
 */
import { randomBytes } from 'node:crypto';

export const docIdAlphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const docIdLength = 14;
export const docIdPattern = /^[0-9A-Za-z]{14}$/;

// Bytes >= 248 are dropped so that every character is equally likely (248 = 4 × 62).
const unbiasedLimit = 248;
let pool = Buffer.alloc(0);
let poolOffset = 0;

function nextByte(): number {
  if (poolOffset >= pool.length) {
    pool = randomBytes(4096);
    poolOffset = 0;
  }
  return pool[poolOffset++]!;
}

export function newDocId(): string {
  let id = '';
  while (id.length < docIdLength) {
    const byte = nextByte();
    if (byte < unbiasedLimit) id += docIdAlphabet[byte % 62];
  }
  return id;
}

export function isDocId(value: string): boolean {
  return docIdPattern.test(value);
}
