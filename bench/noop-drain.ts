/** Holocron's no-op drain: N jobs enqueued (untimed), then workers drain them with a no-op handler, run history kept. */
import { openDatabase } from '../src/database/open-database.ts';
import { enqueueJobs, type JobSpec } from '../src/queue/index.ts';
import { Worker } from '../src/worker/worker.ts';
import type { JobHandler } from '../src/worker/job-handler.ts';

export interface NoopDrainOptions {
  url: string;
  jobs: number;
  concurrency: number;
  prefetch: number;
}

export const noopHandler: JobHandler = async () => ({ kind: 'succeeded', record: {}, artifacts: [] });

export async function drainNoop(options: NoopDrainOptions): Promise<{ seconds: number; jobsPerSecond: number }> {
  const database = await openDatabase(options.url, { poolSize: 4 });
  try {
    const specs: JobSpec[] = Array.from({ length: options.jobs }, (_, index) => ({
      interrogationKey: 'noop', input: { index }, priority: 100, maxAttempts: 3,
    }));
    await enqueueJobs(database, specs);
    const worker = new Worker({
      database, handler: noopHandler, workerId: 'bench', mode: 'drain', concurrency: options.concurrency,
      prefetch: options.prefetch, pollMs: 1000, leaseMs: 60_000, backoff: { baseDelayMs: 1000, maxDelayMs: 1000 }, shutdownGraceMs: 1000,
    });
    const started = performance.now();
    const summary = await worker.run();
    const seconds = (performance.now() - started) / 1000;
    const { count } = await database.db.selectFrom('runs').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
    if (summary.succeeded !== options.jobs || Number(count) < options.jobs) throw new Error(`drained ${summary.succeeded}/${options.jobs}, runs ${count}`);
    return { seconds, jobsPerSecond: options.jobs / seconds };
  } finally {
    await database.close();
  }
}
