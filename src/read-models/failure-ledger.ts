/**
 * The structured-output failure ledger as read models (`holocron jobs failures --by field|model|
 * interrogation [--json]`): which schema fields fail validation, how often, on which model. Rates are
 * failed attempts over checked attempts (those whose answer was validated: succeeded, invalid_output,
 * truncated), so a model that fails a field once in 200 answers reads differently from one that fails
 * it every time.
 */
import type { HolocronDatabase } from '../database/open-database.ts';
import { countCheckedAttempts, type CheckedAttempts } from '../failures/count-checked-attempts.ts';
import { countFailedAttempts } from '../failures/count-failed-attempts.ts';
import { countFailures, type FailureCount } from '../failures/count-failures.ts';
import { countFailureKeywords, type KeywordCount } from '../failures/count-failure-keywords.ts';
import { defaultFailureRowLimit, type FailureFilter } from '../failures/failure-filter.ts';

export type FailureGrouping = 'field' | 'model' | 'interrogation';
export const failureGroupings: readonly FailureGrouping[] = ['field', 'model', 'interrogation'];

export interface FieldFailures {
  interrogation: string;
  /** JSON pointer into the answer, array indices as `*`; `/` for the whole answer. */
  field: string;
  /** `schema`, `invalid_json`, `truncated` or `parse_error`. */
  kind: string;
  /** The schema keywords that failed there (`required`, `maximum`, …), most frequent first. */
  keywords: string[];
  failures: number;
  /** Attempts with at least one failure at this field. */
  failedAttempts: number;
  /** Attempts of the interrogation (every model, within the filter) whose answer was checked. */
  checkedAttempts: number;
  /** failedAttempts / checkedAttempts (0 when nothing was checked). */
  rate: number;
  /** By model, most failures first. */
  models: { model: string | null; failures: number; failedAttempts: number; checkedAttempts: number }[];
}

export interface GroupFailures {
  /** The model or interrogation. */
  key: string | null;
  checkedAttempts: number;
  failedAttempts: number;
  failures: number;
  rate: number;
  /** The fields failing most often there. */
  topFields: { interrogation: string; field: string; failures: number }[];
}

export type FailureLedger =
  | { by: 'field'; rows: FieldFailures[] }
  | { by: 'model' | 'interrogation'; rows: GroupFailures[] };

const topFieldCount = 3;

export async function readFailureLedger(database: HolocronDatabase, by: FailureGrouping, filter: FailureFilter = {}): Promise<FailureLedger> {
  const [counts, checked, failed, keywords] = await Promise.all([
    countFailures(database.db, filter),
    countCheckedAttempts(database.db, filter),
    countFailedAttempts(database.db, filter),
    by === 'field' ? countFailureKeywords(database.db, filter) : Promise.resolve([]),
  ]);
  const limit = filter.limit ?? defaultFailureRowLimit;
  if (by === 'field') return { by, rows: foldByField(counts, checked, keywords).slice(0, limit) };
  const keyOf = by === 'model' ? (row: { model: string | null }) => row.model : (row: { interrogation: string }) => row.interrogation;
  return { by, rows: foldByGroup(counts, checked, failed, keyOf as (row: { model: string | null; interrogation: string }) => string | null).slice(0, limit) };
}

function rateOf(failed: number, checked: number): number {
  return checked === 0 ? 0 : Math.round((failed / checked) * 10_000) / 10_000;
}

function checkedFor(checked: readonly CheckedAttempts[], interrogation: string, model: string | null): number {
  return checked.filter((row) => row.interrogation === interrogation && row.model === model).reduce((sum, row) => sum + row.attempts, 0);
}

function foldByField(counts: readonly FailureCount[], checked: readonly CheckedAttempts[], keywordCounts: readonly KeywordCount[]): FieldFailures[] {
  const groups = new Map<string, FailureCount[]>();
  for (const count of counts) {
    const key = `${count.interrogation}\u0000${count.field}\u0000${count.kind}`;
    groups.set(key, [...(groups.get(key) ?? []), count]);
  }
  const rows = [...groups.values()].map((group): FieldFailures => {
    const first = group[0]!;
    const keywords = keywordCounts
      .filter((count) => count.interrogation === first.interrogation && count.field === first.field)
      .sort((a, b) => b.failures - a.failures || a.keyword.localeCompare(b.keyword));
    const modelRows = group.map((count) => ({ model: count.model, failures: count.failures, failedAttempts: count.attempts, checkedAttempts: checkedFor(checked, first.interrogation, count.model) }));
    modelRows.sort((a, b) => b.failures - a.failures || String(a.model).localeCompare(String(b.model)));
    const failedAttempts = modelRows.reduce((sum, row) => sum + row.failedAttempts, 0);
    const checkedAttempts = checked.filter((row) => row.interrogation === first.interrogation).reduce((sum, row) => sum + row.attempts, 0);
    return {
      interrogation: first.interrogation,
      field: first.field,
      kind: first.kind,
      keywords: keywords.map((count) => count.keyword),
      failures: group.reduce((sum, count) => sum + count.failures, 0),
      failedAttempts,
      checkedAttempts,
      rate: rateOf(failedAttempts, checkedAttempts),
      models: modelRows,
    };
  });
  return rows.sort((a, b) => b.failures - a.failures || a.interrogation.localeCompare(b.interrogation) || a.field.localeCompare(b.field));
}

function foldByGroup(
  counts: readonly FailureCount[],
  checked: readonly CheckedAttempts[],
  failed: readonly { interrogation: string; model: string | null; attempts: number }[],
  keyOf: (row: { model: string | null; interrogation: string }) => string | null,
): GroupFailures[] {
  const keys = new Set<string | null>([...checked.map(keyOf), ...failed.map(keyOf)]);
  const rows = [...keys].map((key): GroupFailures => {
    const mine = counts.filter((count) => keyOf(count) === key);
    const fields = new Map<string, { interrogation: string; field: string; failures: number }>();
    for (const count of mine) {
      const id = `${count.interrogation}\u0000${count.field}`;
      const entry = fields.get(id) ?? { interrogation: count.interrogation, field: count.field, failures: 0 };
      entry.failures += count.failures;
      fields.set(id, entry);
    }
    const checkedAttempts = checked.filter((row) => keyOf(row) === key).reduce((sum, row) => sum + row.attempts, 0);
    const failedAttempts = failed.filter((row) => keyOf(row) === key).reduce((sum, row) => sum + row.attempts, 0);
    return {
      key,
      checkedAttempts,
      failedAttempts,
      failures: mine.reduce((sum, count) => sum + count.failures, 0),
      rate: rateOf(failedAttempts, checkedAttempts),
      topFields: [...fields.values()].sort((a, b) => b.failures - a.failures || a.field.localeCompare(b.field)).slice(0, topFieldCount),
    };
  });
  return rows.sort((a, b) => b.rate - a.rate || b.failures - a.failures || String(a.key).localeCompare(String(b.key)));
}
