/**
 * Maintained counts: a small table of totals that triggers keep equal to an aggregate over a big one
 * (jobs by status, attempts by status) in the same transaction as every change, so reading a total
 * never scans the big table. Written once here as a description; each dialect adapter turns it into
 * its own triggers (`DialectAdapter.maintainedCounts`):
 *
 * - SQLite: one writer at a time, so row-level triggers add and subtract on one row per key (UPSERT).
 * - PostgreSQL: many writers at once. A row per key updated by every transaction would serialize all
 *   claims and completions on that row's lock, so statement-level triggers (with transition tables)
 *   only INSERT delta rows — no conflict, no lock wait, no deadlock — and readers sum them;
 *   `compact` folds the deltas into one row per key (DELETE … RETURNING then INSERT, atomically).
 *
 * Expressions are SQL over a row of the counted table written with `$.`: `$.status`,
 * `coalesce($.prompt_tokens, 0)`.
 */
export interface CountedKey {
  /** Column of the counts table. */
  name: string;
  /** Its value for a row of the counted table (never null). */
  expression: string;
  /** Column type (default text); integer keys can be read by range (a minute of time). */
  type?: 'text' | 'integer';
}

export interface CountedValue {
  /** Column of the counts table (a 64-bit integer). */
  name: string;
  /** What one row adds: `1` for a count, `coalesce($.prompt_tokens, 0)` for a sum. */
  expression: string;
}

export interface MaintainedCountsSpec {
  /** Prefix of the triggers' (and PostgreSQL function's) names. */
  name: string;
  /** The counted table. */
  table: string;
  /** The counts table (created by `create`). */
  countsTable: string;
  keys: readonly CountedKey[];
  values: readonly CountedValue[];
  /** The counted table's columns the expressions read (SQLite fires its update trigger only for these). */
  watchedColumns: readonly string[];
}

export function rowExpression(expression: string, alias: string): string {
  return expression.replace(/\$\./g, `${alias}.`);
}
