/** Splits a list so that each bulk statement stays under the dialect's bound-parameter limit. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

export function rowsPerStatement(maxParameters: number, columnsPerRow: number, cap = 1000): number {
  return Math.max(1, Math.min(cap, Math.floor(maxParameters / columnsPerRow)));
}

/**
 * Splits bulk rows into statements of at most `maxRows`. Where the dialect keeps statements prepared by
 * their text (`adapter.preparesByText`), each piece's size is a power of two (125 rows: 64 + 32 + 16 + 8
 * + 4 + 1), so however the batch sizes vary through a long drain, a table's inserts take at most one
 * prepared statement per size class (each up to ~0.5 MB at 125 rows of 31 columns); elsewhere, plain chunks.
 */
export function bulkChunks<T>(adapter: { preparesByText: boolean }, items: readonly T[], maxRows: number): T[][] {
  if (!adapter.preparesByText) return chunk(items, maxRows);
  let largest = 1;
  while (largest * 2 <= maxRows) largest *= 2;
  const chunks: T[][] = [];
  let start = 0;
  for (let size = largest; start < items.length; ) {
    if (items.length - start >= size) {
      chunks.push(items.slice(start, start + size));
      start += size;
    } else size /= 2;
  }
  return chunks;
}
