/**
 * sha256 as lowercase hex, of a string (as UTF-8) or of bytes. crypto.hash (Node ≥ 20.12) is the one-shot
 * form, without a Hash object per call — the same digest, cheaper for the small inputs hashed per job
 * (fingerprints, evidence items, logical keys); older Nodes take createHash.
 */
import crypto from 'node:crypto';

const oneShot = (crypto as { hash?: (algorithm: string, data: string | Uint8Array, encoding: 'hex') => string }).hash;

export function sha256Hex(data: string | Uint8Array): string {
  return oneShot !== undefined ? oneShot('sha256', data, 'hex') : crypto.createHash('sha256').update(data).digest('hex');
}
