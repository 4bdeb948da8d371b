/** Splits a list so that each bulk statement stays under the dialect's bound-parameter limit. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

export function rowsPerStatement(maxParameters: number, columnsPerRow: number, cap = 1000): number {
  return Math.max(1, Math.min(cap, Math.floor(maxParameters / columnsPerRow)));
}
