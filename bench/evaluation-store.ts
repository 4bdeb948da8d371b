/**
 * The evaluation store at scale: `runs` runs with `itemsPerRun` items each (generated with bulk SQL on
 * the database itself), and two runs of `bigRunItems` scored items. Measures the p95 latency of list,
 * search and compare (small runs, uncached) and the time to compare the two big runs (uncached).
 */
import { sql } from 'kysely';
import { openDatabase, type HolocronDatabase } from '../src/database/open-database.ts';
import { compileRunQuery } from '../src/evaluations/query/compile-run-query.ts';
import { parseQuery } from '../src/evaluations/query/parse-query.ts';
import { clearEvalComparisons, compareEvalRuns } from '../src/evaluations/store/compare-eval-runs.ts';
import { listEvalRuns } from '../src/evaluations/store/list-eval-runs.ts';
import { quantile } from '../src/evaluations/statistics/summarize.ts';

export interface EvaluationBenchOptions {
  url: string;
  runs: number;
  itemsPerRun: number;
  bigRunItems: number;
  iterations: number;
}

export interface EvaluationBenchResult {
  generateSeconds: number;
  listP95Ms: number;
  searchP95Ms: number;
  compareP95Ms: number;
  bigCompareMs: number;
  items: number;
}

const day = 86_400_000;

async function generate(database: HolocronDatabase, options: EvaluationBenchOptions): Promise<void> {
  const { db } = database;
  const now = Date.now();
  const versions = JSON.stringify({ exact_match: 'exact_match@000000000000', facts: 'list_match@000000000000', latency: 'latency@000000000000' });
  await sql`with recursive seq(n) as (select 1 union all select n + 1 from seq where n < ${options.runs})
    insert into eval_runs (id, name, description, project, dataset, model, interrogation, created_by, status, item_count, success_count, success_rate, duration_ms, created_at, started_at, completed_at, updated_at, revision, metric_versions, config, error)
    select 'run-' || n, 'nightly run ' || n, 'generated for the benchmark', 'project-' || (n % 20), 'dataset-' || (n % 5),
      case n % 3 when 0 then 'llama3.2:latest' when 1 then 'qwen2.5:7b' else 'mistral:7b' end, 'sw_entity_facts_v1', 'bench',
      case when n % 10 = 0 then 'failed' else 'completed' end, ${options.itemsPerRun}, ${options.itemsPerRun}, (n % 100) / 100.0, 1000 + n % 120000,
      cast(${now} as bigint) - cast(n as bigint) * ${Math.floor((90 * day) / options.runs)}, cast(${now} as bigint) - cast(n as bigint) * ${Math.floor((90 * day) / options.runs)}, cast(${now} as bigint), cast(${now} as bigint), 1, ${versions}, '{}', null
    from seq`.execute(db);
  await sql`insert into eval_run_tags (run_id, tag) select id, 'nightly' from eval_runs where id like 'run-%'`.execute(db);
  for (const [metric, expression] of [
    ['exact_match', sql`success_rate`],
    ['facts.f1', sql`1.0 - success_rate / 2`],
    ['latency', sql`500.0 + duration_ms % 5000`],
  ] as const) {
    await sql`insert into eval_metric_aggregates (run_id, metric, field, metric_version, count, mean, min, max, p50, p95, std, pass_rate, histogram)
      select id, ${metric}, '', 'v', item_count, ${expression}, 0, 1, ${expression}, ${expression}, 0.1, null, '{}' from eval_runs where id like 'run-%'`.execute(db);
  }
  const total = options.runs * options.itemsPerRun;
  await sql`with recursive seq(n) as (select 0 union all select n + 1 from seq where n < ${total - 1})
    insert into eval_items (run_id, item_key, repeat, position, status, input, expected, output, error, latency_ms, prompt_tokens, completion_tokens, job_id)
    select 'run-' || (1 + n / ${options.itemsPerRun}), 'item-' || (n % ${options.itemsPerRun}), 0, n % ${options.itemsPerRun}, 'ok', '{}', '{}', '{}', null, 100 + n % 900, 500, 80, null from seq`.execute(db);
  // Two big runs with scores: exact match (pass/fail), facts F1 (a hundred values) and latency (every
  // value distinct: the bootstrap resamples items one by one), for the big compare.
  for (const [run, shift] of [['big-a', 0], ['big-b', 7]] as const) {
    await sql`insert into eval_runs (id, name, description, project, dataset, model, interrogation, created_by, status, item_count, success_count, success_rate, duration_ms, created_at, started_at, completed_at, updated_at, revision, metric_versions, config, error)
      values (${run}, ${run}, null, 'big', 'big', ${run}, null, null, 'completed', ${options.bigRunItems}, ${options.bigRunItems}, 1, 1000, ${now}, ${now}, ${now}, ${now}, 1, ${versions}, '{}', null)`.execute(db);
    await sql`with recursive seq(n) as (select 0 union all select n + 1 from seq where n < ${options.bigRunItems - 1})
      insert into eval_items (run_id, item_key, repeat, position, status, input, expected, output, error, latency_ms, prompt_tokens, completion_tokens, job_id)
      select ${run}, 'item-' || n, 0, n, 'ok', '{}', '{}', '{}', null, 100, 500, 80, null from seq`.execute(db);
    await sql`with recursive seq(n) as (select 0 union all select n + 1 from seq where n < ${options.bigRunItems - 1})
      insert into eval_scores (run_id, item_key, repeat, metric, field, metric_version, value, passed, details)
      select ${run}, 'item-' || n, 0, 'exact_match', '', 'v', case when (n * 7 + ${shift}) % 10 < 7 then 1 else 0 end, case when (n * 7 + ${shift}) % 10 < 7 then 1 else 0 end, null from seq`.execute(db);
    await sql`with recursive seq(n) as (select 0 union all select n + 1 from seq where n < ${options.bigRunItems - 1})
      insert into eval_scores (run_id, item_key, repeat, metric, field, metric_version, value, passed, details)
      select ${run}, 'item-' || n, 0, 'facts.f1', '', 'v', ((n * 13 + ${shift}) % 100) / 100.0, null, null from seq`.execute(db);
    await sql`with recursive seq(n) as (select 0 union all select n + 1 from seq where n < ${options.bigRunItems - 1})
      insert into eval_scores (run_id, item_key, repeat, metric, field, metric_version, value, passed, details)
      select ${run}, 'item-' || n, 0, 'latency', '', 'v', 400.0 + ((cast(n as bigint) * ${7919 * (shift + 1)}) % 100003) / 97.0, null, null from seq`.execute(db);
  }
  // Scores for a pair of small runs, for the compare p95.
  for (const run of ['run-1', 'run-2']) {
    await sql`insert into eval_scores (run_id, item_key, repeat, metric, field, metric_version, value, passed, details)
      select run_id, item_key, 0, 'exact_match', '', 'v', position % 2, position % 2, null from eval_items where run_id = ${run}`.execute(db);
  }
  await sql`analyze`.execute(db);
}

async function p95(iterations: number, work: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  await work(); // warm
  for (let index = 0; index < iterations; index += 1) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return quantile(times.sort((a, b) => a - b), 0.95)!;
}

export async function benchEvaluationStore(options: EvaluationBenchOptions): Promise<EvaluationBenchResult> {
  const database = await openDatabase(options.url);
  try {
    const started = performance.now();
    await generate(database, options);
    const generateSeconds = (performance.now() - started) / 1000;
    const list = () => listEvalRuns(database, { where: compileRunQuery(parseQuery('project:project-3 status:completed'), ''), sort: 'created_at', limit: 50 });
    const query = 'project:project-3 (model:llama3.2:latest OR model:"qwen2.5:7b") f1 >= 0.6 tag:nightly last 30 days NOT status:failed';
    const search = () => listEvalRuns(database, { where: compileRunQuery(parseQuery(query), query), limit: 50 });
    const compare = async () => {
      await clearEvalComparisons(database);
      return compareEvalRuns(database, ['run-1', 'run-2'], 'run-1');
    };
    const listP95Ms = await p95(options.iterations, list);
    const searchP95Ms = await p95(options.iterations, search);
    const compareP95Ms = await p95(options.iterations, compare);
    await clearEvalComparisons(database);
    const bigStarted = performance.now();
    await compareEvalRuns(database, ['big-a', 'big-b'], 'big-a');
    const bigCompareMs = performance.now() - bigStarted;
    return { generateSeconds, listP95Ms, searchP95Ms, compareP95Ms, bigCompareMs, items: options.runs * options.itemsPerRun + 2 * options.bigRunItems };
  } finally {
    await database.close();
  }
}
