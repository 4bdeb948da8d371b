/**
 * The reads behind `runs compare`: items of two runs aligned in SQL by content (item key and repeat),
 * through the scores' primary key (run, metric, field, item, repeat) — one join per metric, no
 * per-item round trips, and only the columns the statistics need.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../database/database.ts';
import type { AlignedMetric } from '../statistics/compare-runs.ts';

/**
 * Each whole-item metric a run has, with the version it was scored with and whether it looks pass/fail: the distinct metrics walked
 * through the primary key (a recursive "skip scan", one index probe per metric, however many items).
 */
export async function runMetricVersions(db: Kysely<Database>, runId: string): Promise<Map<string, { version: string; passFail: boolean }>> {
  const { rows } = await sql<{ metric: string; version: string | null; passed: number | null }>`
    with recursive metrics(metric) as (
      select (select min(metric) from eval_scores where run_id = ${runId})
      union all
      select (select min(s.metric) from eval_scores s where s.run_id = ${runId} and s.metric > metrics.metric) from metrics where metrics.metric is not null
    )
    select metric,
      (select s.metric_version from eval_scores s where s.run_id = ${runId} and s.metric = metrics.metric and s.field = '' limit 1) as version,
      (select s.passed from eval_scores s where s.run_id = ${runId} and s.metric = metrics.metric and s.field = '' limit 1) as passed
    from metrics where metric is not null`.execute(db);
  // passFail: its first score has a pass/fail (a hint for which metric's items to read; checked later).
  return new Map(rows.filter((row) => row.version !== null).map((row) => [row.metric, { version: row.version!, passFail: row.passed !== null }]));
}

/** How many items (key and repeat) both runs have, and how many each has. */
export async function alignedItemCounts(db: Kysely<Database>, baselineId: string, candidateId: string): Promise<{ aligned: number; baseline: number; candidate: number }> {
  const count = (runId: string) =>
    db.selectFrom('eval_items').select(sql<number>`count(*)`.as('count')).where('run_id', '=', runId).executeTakeFirstOrThrow();
  const [aligned, baseline, candidate] = await Promise.all([
    db
      .selectFrom('eval_items as b')
      .innerJoin('eval_items as c', (join) => join.onRef('c.item_key', '=', 'b.item_key').onRef('c.repeat', '=', 'b.repeat').on('c.run_id', '=', candidateId))
      .select(sql<number>`count(*)`.as('count'))
      .where('b.run_id', '=', baselineId)
      .executeTakeFirstOrThrow(),
    count(baselineId),
    count(candidateId),
  ]);
  return { aligned: Number(aligned.count), baseline: Number(baseline.count), candidate: Number(candidate.count) };
}

/** One metric's values for the items both runs scored, as typed arrays (and the items, `key#repeat`, when asked). */
export async function alignedMetricValues(
  db: Kysely<Database>,
  baselineId: string,
  candidateId: string,
  metric: string,
  withItems = false,
): Promise<Omit<AlignedMetric, 'baselineVersion' | 'candidateVersion'>> {
  const rows = await db
    .selectFrom('eval_scores as b')
    .innerJoin('eval_scores as c', (join) =>
      join.on('c.run_id', '=', candidateId).onRef('c.metric', '=', 'b.metric').on('c.field', '=', '').onRef('c.item_key', '=', 'b.item_key').onRef('c.repeat', '=', 'b.repeat'),
    )
    .select(['b.value as bv', 'c.value as cv', 'b.passed as bp', 'c.passed as cp'])
    .$if(withItems, (query) => query.select(['b.item_key', 'b.repeat']))
    .where('b.run_id', '=', baselineId)
    .where('b.metric', '=', metric)
    .where('b.field', '=', '')
    .execute();
  const size = rows.length;
  const aligned: Omit<AlignedMetric, 'baselineVersion' | 'candidateVersion'> = {
    metric,
    baseline: new Float64Array(size),
    candidate: new Float64Array(size),
    baselinePassed: new Int8Array(size),
    candidatePassed: new Int8Array(size),
    ...(withItems ? { items: rows.map((row) => `${(row as { item_key: string }).item_key}#${(row as { repeat: number }).repeat}`) } : {}),
  };
  for (let index = 0; index < size; index += 1) {
    const row = rows[index]!;
    aligned.baseline[index] = row.bv === null ? Number.NaN : Number(row.bv);
    aligned.candidate[index] = row.cv === null ? Number.NaN : Number(row.cv);
    aligned.baselinePassed[index] = row.bp === null ? -1 : Number(row.bp) === 1 ? 1 : 0;
    aligned.candidatePassed[index] = row.cp === null ? -1 : Number(row.cp) === 1 ? 1 : 0;
  }
  return aligned;
}

/** Per-field pass/fail of some items of a run (`key#repeat` → field → passed). */
export async function itemFieldResults(db: Kysely<Database>, runId: string, items: readonly string[]): Promise<Map<string, Map<string, boolean | null>>> {
  const result = new Map<string, Map<string, boolean | null>>();
  if (items.length === 0) return result;
  const keys = items.map((item) => {
    const at = item.lastIndexOf('#');
    return { key: item.slice(0, at), repeat: Number(item.slice(at + 1)) };
  });
  const rows = await db
    .selectFrom('eval_scores')
    .select(['item_key', 'repeat', 'field', 'passed'])
    .where('run_id', '=', runId)
    .where('field', '!=', '')
    .where((eb) => eb.or(keys.map(({ key, repeat }) => eb.and([eb('item_key', '=', key), eb('repeat', '=', repeat)]))))
    .execute();
  for (const row of rows) {
    const item = `${row.item_key}#${row.repeat}`;
    let fields = result.get(item);
    if (!fields) result.set(item, (fields = new Map()));
    fields.set(row.field, row.passed === null ? null : Number(row.passed) === 1);
  }
  return result;
}
