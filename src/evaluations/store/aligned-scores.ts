/**
 * The reads behind `runs compare`: items of two runs aligned by content (item key and repeat), each
 * run's scores of a metric read as one index range (run, metric, field, item, repeat) — no per-item
 * round trips, only the columns the statistics need, and no plan that depends on statistics.
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
  // INTERSECT, not a join: its plan (a hash or a sort of both key lists) does not depend on planner
  // statistics. A join planned on a freshly written run's stale statistics (PostgreSQL thinks it has
  // no rows until it is analyzed) became a nested loop over every pair: 137 ms for 1,000 items.
  const [aligned, baseline, candidate] = await Promise.all([
    db
      .selectFrom((eb) =>
        eb
          .selectFrom('eval_items')
          .select(['item_key', 'repeat'])
          .where('run_id', '=', baselineId)
          .intersect(eb.selectFrom('eval_items').select(['item_key', 'repeat']).where('run_id', '=', candidateId))
          .as('both'),
      )
      .select(sql<number>`count(*)`.as('count'))
      .executeTakeFirstOrThrow(),
    count(baselineId),
    count(candidateId),
  ]);
  return { aligned: Number(aligned.count), baseline: Number(baseline.count), candidate: Number(candidate.count) };
}

/**
 * One metric's values for the items both runs scored, as typed arrays in the baseline's item order (and
 * the items, `key#repeat`, when asked). Each run's scores are one range of the covering index
 * `eval_scores_compare_index`, matched here by item: a plan that cannot go wrong. The same pairing as a
 * SQL join was planned on statistics, and on a run just written (PostgreSQL knows its rows only once it
 * is analyzed) it became a nested loop over every pair of items — 350 ms for 1,000 items, quadratic.
 */
export async function alignedMetricValues(
  db: Kysely<Database>,
  baselineId: string,
  candidateId: string,
  metric: string,
  withItems = false,
): Promise<Omit<AlignedMetric, 'baselineVersion' | 'candidateVersion'>> {
  const read = (runId: string) =>
    db
      .selectFrom('eval_scores')
      .select(['item_key', 'repeat', 'value', 'passed'])
      .where('run_id', '=', runId)
      .where('metric', '=', metric)
      .where('field', '=', '')
      .orderBy('item_key')
      .orderBy('repeat')
      .execute();
  const [baselineRows, candidateRows] = await Promise.all([read(baselineId), read(candidateId)]);
  const candidateByItem = new Map<string, (typeof candidateRows)[number]>();
  for (const row of candidateRows) candidateByItem.set(`${row.item_key}#${row.repeat}`, row);
  const pairs: [(typeof baselineRows)[number], (typeof candidateRows)[number], string][] = [];
  for (const row of baselineRows) {
    const item = `${row.item_key}#${row.repeat}`;
    const match = candidateByItem.get(item);
    if (match) pairs.push([row, match, item]);
  }
  const size = pairs.length;
  const aligned: Omit<AlignedMetric, 'baselineVersion' | 'candidateVersion'> = {
    metric,
    baseline: new Float64Array(size),
    candidate: new Float64Array(size),
    baselinePassed: new Int8Array(size),
    candidatePassed: new Int8Array(size),
    ...(withItems ? { items: pairs.map((pair) => pair[2]) } : {}),
  };
  const passed = (value: number | null) => (value === null ? -1 : Number(value) === 1 ? 1 : 0);
  for (let index = 0; index < size; index += 1) {
    const [b, c] = pairs[index]!;
    aligned.baseline[index] = b.value === null ? Number.NaN : Number(b.value);
    aligned.candidate[index] = c.value === null ? Number.NaN : Number(c.value);
    aligned.baselinePassed[index] = passed(b.passed);
    aligned.candidatePassed[index] = passed(c.passed);
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
