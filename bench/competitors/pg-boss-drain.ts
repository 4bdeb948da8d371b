/**
 * No-op drain benchmark for pg-boss 10 on its fastest documented consumption path: several `work()` workers
 * (v10's way to get concurrency), each fetching `batchSize` jobs per poll (the handler gets them as one array,
 * and pg-boss completes or fails the whole array together), at the minimum polling interval (0.5 s).
 * Jobs are bulk-inserted with `insert()` before timing; the clock runs from registering the workers until the
 * database shows every job in state `completed`.
 *
 * pg-boss 10's worker loop sleeps `pollingInterval - cycle time` after every fetch, even a full one, so its
 * throughput is capped at workers x batchSize / 0.5 s until PostgreSQL becomes the bottleneck. The defaults
 * (8 x 2000, ceiling 32k jobs/s) sit near where this 2-core machine becomes database-bound, while still needing
 * several polling rounds for a 20k-job drain; with workers x batchSize >= jobs the whole backlog is taken in a
 * single round of bulk UPDATEs and the figure stops describing a queue (pg-boss's own speed test does exactly
 * that: one `fetch({ batchSize: jobCount })` and one `complete()`).
 */
import { performance } from "node:perf_hooks";
import pg from "pg";
import PgBoss from "pg-boss";
import {
  defaultTimeoutMilliseconds,
  installedVersion,
  makeDrainResult,
  quoteIdentifier,
  randomSchemaName,
  sleep,
  withTimeout,
  type DrainResult,
} from "./drain-result.ts";

export interface PgBossDrainOptions {
  connectionString: string;
  jobs: number;
  /** Jobs fetched (and handed to the handler as one array) per poll of one worker; default 2000. */
  batchSize?: number;
  /** Number of `work()` registrations on the queue, i.e. concurrent polling loops; default 8. */
  workers?: number;
  /** Size of pg-boss's own connection pool (its `max` option, default 10). */
  poolSize?: number;
  /** Refresh planner statistics after the bulk enqueue (untimed), as autovacuum would have in steady state. */
  analyze?: boolean;
  timeoutMilliseconds?: number;
}

const QUEUE = "noop";
/** pg-boss 10 rejects anything below 500 ms (`POLICY.MIN_POLLING_INTERVAL_MS`). */
const MINIMUM_POLLING_INTERVAL_SECONDS = 0.5;
const INSERT_CHUNK = 10_000;

export async function drainPgBoss(options: PgBossDrainOptions): Promise<DrainResult> {
  const jobs = options.jobs;
  const batchSize = options.batchSize ?? 2000;
  const workers = options.workers ?? 8;
  const analyze = options.analyze ?? true;
  const poolSize = options.poolSize ?? 10;
  const timeoutMilliseconds = options.timeoutMilliseconds ?? defaultTimeoutMilliseconds(jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`jobs must be a positive integer, got ${jobs}`);

  const schema = randomSchemaName("bench_pgboss");
  const quotedSchema = quoteIdentifier(schema);
  const pool = new pg.Pool({ connectionString: options.connectionString, max: 1 });
  // No maintenance (supervise) or cron (schedule) timers: only the consumption path is measured.
  const boss = new PgBoss({ connectionString: options.connectionString, schema, max: poolSize, supervise: false, schedule: false });
  const errors: unknown[] = [];
  boss.on("error", (error) => errors.push(error));
  let started = false;
  try {
    await boss.start();
    started = true;
    await boss.createQueue(QUEUE);

    // Enqueue (not timed).
    for (let first = 0; first < jobs; first += INSERT_CHUNK) {
      const count = Math.min(INSERT_CHUNK, jobs - first);
      await boss.insert(Array.from({ length: count }, (_, offset) => ({ name: QUEUE, data: { id: first + offset } })));
    }
    const countInState = async (state: string) => {
      const result = await pool.query<{ count: number }>(
        `select count(*)::int as count from ${quotedSchema}.job where name = $1 and state = $2::${quotedSchema}.job_state`,
        [QUEUE, state],
      );
      return result.rows[0]?.count ?? 0;
    };
    const queued = await countInState("created");
    if (queued !== jobs) throw new Error(`pg-boss: enqueued ${queued} of ${jobs} jobs`);
    if (analyze) await pool.query(`analyze ${quotedSchema}.job`);

    let handled = 0;
    let allHandled!: () => void;
    const allHandledPromise = new Promise<void>((resolve) => (allHandled = resolve));
    const begin = performance.now();
    for (let index = 0; index < workers; index += 1) {
      await boss.work(QUEUE, { batchSize, pollingIntervalSeconds: MINIMUM_POLLING_INTERVAL_SECONDS }, async (batch) => {
        handled += batch.length;
        if (handled >= jobs) allHandled();
      });
    }
    // pg-boss completes a batch after the handler resolves without awaiting it, so the handler count only says
    // when to start looking; the database decides when the drain is over.
    let timedOut = false;
    const drained = (async () => {
      await allHandledPromise;
      while (!timedOut && (await countInState("completed")) < jobs) await sleep(10);
    })();
    await withTimeout(drained, timeoutMilliseconds, `pg-boss: draining ${jobs} jobs`).finally(() => (timedOut = true));
    const seconds = (performance.now() - begin) / 1000;

    const states = await pool.query<{ state: string; count: number }>(
      `select state::text, count(*)::int as count from ${quotedSchema}.job where name = $1 group by state`,
      [QUEUE],
    );
    const completed = states.rows.find((row) => row.state === "completed")?.count ?? 0;
    const total = states.rows.reduce((sum, row) => sum + row.count, 0);
    if (completed !== jobs || total !== jobs || handled !== jobs) {
      throw new Error(`pg-boss: ${completed} completed of ${total} rows and ${handled} handled, expected ${jobs} each`);
    }
    if (errors.length > 0) throw new Error(`pg-boss reported ${errors.length} errors, first: ${describeError(errors[0])}`);

    return makeDrainResult({
      system: "pg-boss",
      version: installedVersion("pg-boss"),
      jobs,
      seconds,
      configuration:
        `${workers} x work() (batchSize ${batchSize}, pollingIntervalSeconds ${MINIMUM_POLLING_INTERVAL_SECONDS} = minimum), ` +
        `pool max ${poolSize}, supervise/schedule off, insert() bulk enqueue${analyze ? " + ANALYZE" : ""}; ` +
        `polling ceiling ${(workers * batchSize) / MINIMUM_POLLING_INTERVAL_SECONDS} jobs/s`,
    });
  } finally {
    try {
      if (started) await withTimeout(boss.stop({ graceful: true, wait: true, timeout: 5_000 }), 15_000, "pg-boss: stop");
      else await (boss.getDb() as { close?: () => Promise<void> }).close?.().catch(() => undefined);
    } finally {
      try {
        await pool.query(`drop schema if exists ${quotedSchema} cascade`);
      } finally {
        await pool.end();
      }
    }
  }
}

/** pg-boss emits plain objects spread from the original error on its `error` event. */
function describeError(error: unknown): string {
  if (typeof error === "object" && error !== null && "message" in error) return String(error.message);
  return String(error);
}
