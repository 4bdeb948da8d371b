/** Bulk statements split by row count: power-of-two pieces where statements are prepared by their text. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bulkChunks } from '../src/queue/chunk.ts';

describe('bulkChunks', () => {
  it('splits into power-of-two pieces no larger than the cap, keeping every row once and in order', () => {
    const sizes = new Set<number>();
    for (let count = 0; count <= 300; count++) {
      const rows = Array.from({ length: count }, (_, index) => index);
      const pieces = bulkChunks({ preparesByText: true }, rows, 100);
      assert.deepEqual(pieces.flat(), rows, `${count} rows`);
      for (const piece of pieces) {
        assert.ok(piece.length <= 64 && (piece.length & (piece.length - 1)) === 0, `${count} rows: a piece of ${piece.length}`);
        sizes.add(piece.length);
      }
      // Largest first, each smaller size at most once after the full ones.
      const tail = pieces.map((piece) => piece.length).filter((length) => length < 64);
      assert.equal(new Set(tail).size, tail.length, `${count} rows: ${tail}`);
    }
    assert.deepEqual([...sizes].sort((a, b) => a - b), [1, 2, 4, 8, 16, 32, 64], 'seven statement shapes for every batch size from 1 to 300');
  });

  it('keeps plain chunks where the statement text does not matter', () => {
    const rows = Array.from({ length: 250 }, (_, index) => index);
    assert.deepEqual(bulkChunks({ preparesByText: false }, rows, 100).map((piece) => piece.length), [100, 100, 50]);
  });
});
