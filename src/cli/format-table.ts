/** Plain-text tables and values for terminal output. */
export function formatTable(headers: string[], rows: (string | number | null)[][]): string {
  const cells = rows.map((row) => row.map((cell) => (cell === null ? '-' : String(cell))));
  const widths = headers.map((header, column) => Math.max(header.length, ...cells.map((row) => row[column]!.length)));
  const line = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n');
}

export function formatTime(epochMilliseconds: number | null): string {
  return epochMilliseconds === null ? '-' : new Date(Number(epochMilliseconds)).toISOString().replace('T', ' ').replace('Z', '');
}

export function truncate(text: string, length: number): string {
  const single = text.replace(/\s+/g, ' ');
  return single.length > length ? `${single.slice(0, length - 1)}…` : single;
}
