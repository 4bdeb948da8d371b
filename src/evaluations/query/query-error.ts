/** A query that cannot be understood: the message names the problem and the column (1-based) it is at. */
export class QueryError extends Error {
  override readonly name = 'QueryError';
  constructor(
    readonly reason: string,
    readonly column: number,
    readonly query: string,
  ) {
    super(`${reason} (column ${column})`);
  }

  /** The message with the query and a caret under the offending column. */
  display(): string {
    const line = this.query.length > 200 ? `${this.query.slice(Math.max(0, this.column - 100), this.column + 100)}` : this.query;
    const caretAt = this.query.length > 200 ? Math.min(this.column - 1, 99) : this.column - 1;
    return `${this.message}\n  ${line.replace(/\s/g, ' ')}\n  ${' '.repeat(Math.max(0, caretAt))}^`;
  }
}
