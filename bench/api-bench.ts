/**
 * The HTTP API at scale: 1,000,000 jobs and 1,000,000 attempts (generated with bulk SQL on the
 * database itself, through the same triggers that keep the status counts), and two evaluation runs
 * of 1,000 items. Measures the p95 latency over real HTTP (`startServer`, `fetch`) of what the
 * dashboard asks for: the overview (stats, and the time series), the job list (unfiltered, by a rare
 * status, by text inside the input), a job's page, and a comparison (uncached) — against
 * `GET /api/session` as the anchor (HTTP and routing alone, no database). Target: ≤ 100 ms each.
 */
import { sql } from 'kysely';
import { loadConfig } from '../src/config/load-config.ts';
import { evaluate } from '../src/evaluations/evaluate.ts';
import { exactMatch, latency } from '../src/evaluations/metrics/builtin-metrics.ts';
import { quantile } from '../src/evaluations/statistics/summarize.ts';
import { clearEvalComparisons } from '../src/evaluations/store/compare-eval-runs.ts';
import { openDatabase, type HolocronDatabase } from '../src/database/open-database.ts';
import { openHolocron } from '../src/holocron.ts';
import { startServer } from '../src/server/start-server.ts';

export interface ApiBenchOptions {
  databaseUrl: string;
  lakeRoot: string;
  jobs: number;
  iterations: number;
}

export interface ApiBenchResult {
  generateSeconds: number;
  p95Ms: Record<string, number>;
  p50Ms: Record<string, number>;
}

export async function generate(database: HolocronDatabase, jobs: number): Promise<void> {
  const { db } = database;
  const now = Date.now();
  const spread = 86_400_000; // a day of history
  // n % 200: 0–3 dead letters (2%), 4–7 NEW, 8 RETRY, 9 RUNNING, the rest SUCCEEDED.
  const status = sql`case when n % 200 < 4 then 'DEADLETTER' when n % 200 < 8 then 'NEW' when n % 200 = 8 then 'RETRY' when n % 200 = 9 then 'RUNNING' else 'SUCCEEDED' end`;
  const at = sql`cast(${now} as bigint) - cast(${jobs} - n as bigint) * ${Math.max(1, Math.floor(spread / jobs))}`;
  await sql`with recursive seq(n) as (select 1 union all select n + 1 from seq where n < ${jobs})
    insert into jobs (id, kind, parent_job_id, interrogation_key, status, priority, input, evidence_refs, model_hint, dedupe_key, run_label,
      attempt_count, max_attempts, available_at, created_at, updated_at, locked_by, locked_at, lease_expires_at, current_run_id, result_run_id,
      last_error, last_error_code, completed_at)
    select n, 'interrogation', null, 'interrogation_' || (n % 5), ${status}, 100,
      '{"entity_type":"character","entity_id":"entity_' || n || '"}', null, null, null,
      case when n % 10 = 0 then 'label-' || (n % 100) / 10 else null end,
      1, 3, ${at}, ${at}, ${at}, null, null, case when n % 200 = 9 then cast(${now} as bigint) + 60000 else null end, null,
      case when n % 200 >= 10 then 'run-' || n else null end,
      case when n % 200 < 4 then 'the model answered invalid JSON' else null end,
      case when n % 200 < 4 then (case n % 3 when 0 then 'invalid_json' when 1 then 'model_not_found' else 'server_busy' end) else null end,
      case when n % 200 >= 10 or n % 200 < 4 then ${at} else null end
    from seq`.execute(db);
  await sql`with recursive seq(n) as (select 1 union all select n + 1 from seq where n < ${jobs})
    insert into runs (id, job_id, attempt, status, worker_id, endpoint_id, provider, base_url, model_name, model_tag, model_digest, options, metrics,
      prompt_tokens, completion_tokens, error, error_code, lake_dir, output, outcome, started_at, completed_at, duration_ms, call_ms, in_flight_limit)
    select 'run-' || n, n, 1, case when n % 200 < 10 then 'FAILED' else 'SUCCEEDED' end, 'bench-worker', 'gpu-' || (n % 4), 'ollama',
      'http://gpu-' || (n % 4) || ':11434', case n % 2 when 0 then 'llama3.2' else 'qwen2.5' end, 'latest', null, '{}', '{}',
      500 + n % 300, 80 + n % 40, case when n % 200 < 10 then 'failed' else null end,
      case when n % 200 < 10 then 'invalid_json' else null end, 'llm_runs/2026/12/02/run-' || n, null,
      case when n % 200 < 4 then 'dead_lettered' else 'applied' end,
      ${at} - (200 + n % 5000), ${at}, 200 + n % 5000, 150 + n % 4900, 8
    from seq`.execute(db);
  await sql`with recursive seq(n) as (select 1 union all select n + 1 from seq where n < ${jobs})
    insert into artifacts (run_id, job_id, artifact_type, lake_path, sha256, bytes, created_at)
    select 'run-' || n, n, 'request', 'llm_runs/2026/12/02/run-' || n || '/request.json', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 0, ${at}
    from seq`.execute(db);
  // What autovacuum does to tables written this much (it is off on this machine's server): planner
  // statistics, and on PostgreSQL the visibility map that index-only scans need. The evaluation runs
  // below are left as freshly written, as a run is when someone compares it at once.
  if (database.adapter.name === 'postgres') await sql`vacuum analyze jobs, runs, artifacts, queue_status_counts, queue_attempt_counts, queue_attempt_minutes`.execute(db);
  else await sql`analyze`.execute(db);

  // Two evaluation runs of 1,000 items, through the library: model B right where model A misses every third.
  const items = Array.from({ length: 1000 }, (_, index) => ({ id: `item-${index}`, input: { index }, expected: { value: index } }));
  for (const [model, wrongEvery] of [['model-a', 3], ['model-b', 10]] as const) {
    await evaluate({
      database,
      task: (input) => ({ value: ((input as { index: number }).index % wrongEvery === 0 ? -1 : (input as { index: number }).index) }),
      dataset: items,
      metrics: [exactMatch({ normalize: {} }), latency()],
      name: `bench ${model}`,
      model,
      project: 'bench',
      concurrency: 16,
    });
  }
}

async function timed(iterations: number, work: (index: number) => Promise<unknown>): Promise<number[]> {
  await work(-1); // warm
  const times: number[] = [];
  for (let index = 0; index < iterations; index += 1) {
    const started = performance.now();
    await work(index);
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b);
}

export async function benchApi(options: ApiBenchOptions): Promise<ApiBenchResult> {
  const settings = { 'database.url': options.databaseUrl, 'lake.root': options.lakeRoot, 'log.level': 'warn' };
  const flags = Object.fromEntries(Object.entries(settings).map(([key, value]) => [key, { value, flag: 'bench' }]));
  // Generated on a connection of its own: the bulk statements run longer than the server's statement timeout.
  const started = performance.now();
  const generator = await openDatabase(options.databaseUrl);
  try {
    await generate(generator, options.jobs);
  } finally {
    await generator.close();
  }
  const generateSeconds = (performance.now() - started) / 1000;
  const holocron = await openHolocron(loadConfig({ flags, environment: {}, cwd: options.lakeRoot }).config, { statementTimeoutMs: 10_000 });
  const server = await startServer({ holocron, port: 0, logError: (error) => process.stderr.write(`${String(error)}\n`) });
  try {
    const runs = (await holocron.database.db.selectFrom('eval_runs').select('id').orderBy('name').execute()).map((row) => row.id);
    const get = async (path: string) => {
      const response = await fetch(`${server.url}${path}`);
      if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return response.json();
    };
    // Job pages spread over the whole id range (a fixed stride, so both dialects see the same jobs).
    const jobIds = Array.from({ length: options.iterations + 1 }, (_, index) => 1 + ((index * 7919 * 127) % options.jobs));
    const cases: [string, (index: number) => Promise<unknown>][] = [
      ['anchor: GET /api/session (no database)', () => get('/api/session')],
      ['overview: GET /api/stats', () => get('/api/stats')],
      ['overview: GET /api/stats/timeseries (24 h, 15 min buckets)', () => get('/api/stats/timeseries?minutes=1440&bucketSeconds=900')],
      ['overview: GET /api/stats/timeseries (1 h, 1 min buckets)', () => get('/api/stats/timeseries?minutes=60&bucketSeconds=60')],
      ['job list: GET /api/jobs', () => get('/api/jobs')],
      ['job list: GET /api/jobs?status=DEADLETTER', () => get('/api/jobs?status=DEADLETTER')],
      ['job list: GET /api/jobs?label=label-3', () => get('/api/jobs?label=label-3')],
      ['job list: GET /api/jobs?q=entity_99 (text in input)', () => get('/api/jobs?q=entity_99')],
      ['job page: GET /api/jobs/:id', (index) => get(`/api/jobs/${jobIds[index + 1]}`)],
      [
        'comparison: GET /api/evaluations/compare (uncached)',
        async () => {
          await clearEvalComparisons(holocron.database);
          return get(`/api/evaluations/compare?runs=${runs[0]},${runs[1]}`);
        },
      ],
      ['comparison: GET /api/evaluations/compare (cached)', () => get(`/api/evaluations/compare?runs=${runs[0]},${runs[1]}`)],
    ];
    const p95Ms: Record<string, number> = {};
    const p50Ms: Record<string, number> = {};
    for (const [name, work] of cases) {
      const times = await timed(options.iterations, work);
      p95Ms[name] = quantile(times, 0.95)!;
      p50Ms[name] = quantile(times, 0.5)!;
    }
    // The figures must be the real ones: the stats the overview showed equal the generated rows.
    const stats = (await get('/api/stats')) as { total: number; attempts: { total: number } };
    if (stats.total !== options.jobs || stats.attempts.total !== options.jobs) throw new Error(`stats say ${stats.total} jobs, ${stats.attempts.total} attempts`);
    return { generateSeconds, p95Ms, p50Ms };
  } finally {
    await server.close();
    await holocron.close();
  }
}
