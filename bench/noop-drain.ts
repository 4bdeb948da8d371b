/**
 * Holocron's no-op drain: N jobs of the 'noop' kind enqueued (untimed), then worker processes drain
 * them (the kind does nothing), the run history kept (one `runs` row per attempt). Like the competitors' runs, the
 * worker processes are started and connected before the clock starts, and timed from "go" until the
 * last one has drained; the database is checked afterwards.
 * This module is also the entry point of those forked worker processes.
 */
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { openDatabase } from '../src/database/open-database.ts';
import { enqueueJobs, type JobSpec } from '../src/queue/enqueue-jobs.ts';
import { JobKindRegistry } from '../src/worker/job-kind-registry.ts';
import { noopJobKind } from '../src/worker/noop-job-kind.ts';
import { Worker } from '../src/worker/worker.ts';
import { runForkedWorkers, serveForkedWorker } from './support/forked-workers.ts';

export interface NoopDrainOptions {
  url: string;
  jobs: number;
  processes: number;
  /** Handlers in flight per process. */
  concurrency: number;
  /** Jobs claimed ahead per process. */
  prefetch: number;
}

export interface NoopDrainResult {
  jobs: number;
  seconds: number;
  jobsPerSecond: number;
  configuration: string;
}

const childFlag = '--noop-drain-child';

export async function drainNoop(options: NoopDrainOptions): Promise<NoopDrainResult> {
  const database = await openDatabase(options.url);
  try {
    const specs: JobSpec[] = Array.from({ length: options.jobs }, (_, index) => ({
      kind: 'noop',
      interrogationKey: 'noop',
      input: { index },
      priority: 100,
      maxAttempts: 3,
    }));
    await enqueueJobs(database, specs);
    // As the competitors' drains do (and autovacuum would): planner statistics for the freshly filled table.
    if (database.adapter.name === 'postgres') await sql`analyze jobs`.execute(database.db);
    else await sql`analyze`.execute(database.db);
    const { seconds, reports: done } = await runForkedWorkers(
      fileURLToPath(import.meta.url),
      [childFlag, JSON.stringify({ ...options, workerId: 'noop' })],
      options.processes,
    );
    const succeeded = done.reduce((total, message) => total + Number(message.succeeded), 0);
    const { count } = await database.db
      .selectFrom('runs')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('status', '=', 'SUCCEEDED')
      .executeTakeFirstOrThrow();
    if (succeeded !== options.jobs || Number(count) !== options.jobs) {
      throw new Error(`no-op drain: ${succeeded} reported, ${count} succeeded runs recorded, of ${options.jobs} jobs`);
    }
    return {
      jobs: options.jobs,
      seconds,
      jobsPerSecond: options.jobs / seconds,
      configuration: `${options.processes} process${options.processes > 1 ? 'es' : ''} × concurrency ${options.concurrency}, prefetch ${options.prefetch}`,
    };
  } finally {
    await database.close();
  }
}

async function runChild(settings: NoopDrainOptions & { workerId: string }): Promise<void> {
  await serveForkedWorker(async () => {
    const database = await openDatabase(settings.url, { migrate: false, poolSize: 4 });
    const worker = new Worker({
      database,
      kinds: new JobKindRegistry([noopJobKind]),
      workerId: `${settings.workerId}-${process.pid}`,
      mode: 'drain',
      concurrency: settings.concurrency,
      prefetch: settings.prefetch,
      pollMs: 1000,
      leaseMs: 60_000,
      backoff: { baseDelayMs: 1000, maxDelayMs: 1000 },
      shutdownGraceMs: 1000,
      flushDelayMs: 0,
    });
    await database.db.selectFrom('jobs').select('id').limit(1).execute();
    return { run: async () => ({ succeeded: (await worker.run()).succeeded }), close: () => database.close() };
  });
}

if (process.argv[2] === childFlag) await runChild(JSON.parse(process.argv[3]!));
