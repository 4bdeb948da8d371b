/**
 * No-op drain benchmark for graphile-worker 0.17, reproducing its own `perfTest/` configuration (the one
 * behind the numbers on worker.graphile.org/docs/performance): jobs bulk-enqueued with one `add_jobs` call,
 * then parallel worker processes (perfTest: 4; here min(4, cores) by default), each `--once` with 24 concurrent
 * jobs, a pool of 25, a local queue of 500 (batched fetch) and batched completion (`completeJobBatchDelay: 0`,
 * `failJobBatchDelay: 0`).
 * The perfTest subtracts the process start-up/shut-down time from its timing; we get the same effect by
 * forking the worker processes and compiling their options (pool, migration check) before the clock
 * starts, then timing from "go" until the last process has drained, and verifying in the database.
 * This module is also the entry point of those forked worker processes (see `runChild`).
 */
import { fork, type ChildProcess } from "node:child_process";
import { performance } from "node:perf_hooks";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import pg from "pg";
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

export interface GraphileWorkerDrainOptions {
  connectionString: string;
  jobs: number;
  /** Concurrent jobs per worker process (`concurrentJobs` / `-j`); perfTest uses 24. */
  concurrency?: number;
  /**
   * Worker processes draining in parallel. perfTest uses 4 (`PARALLELISM`); the default caps that at the
   * number of cores, because more processes than cores measured slower (2 cores: 2 processes ~48k jobs/s,
   * 4 processes ~37k jobs/s).
   */
  processes?: number;
  /** Jobs each process locks per fetch (`localQueue.size`); perfTest and the docs use 500. */
  localQueueSize?: number;
  /**
   * Refresh planner statistics after the bulk enqueue (untimed), as autovacuum would have in steady state.
   * Without it the first drain of a freshly loaded table runs on empty statistics (measured with 4 processes
   * and 100k jobs: ~28k instead of ~46k jobs/s; no difference at 20k jobs).
   */
  analyze?: boolean;
  timeoutMilliseconds?: number;
}

const TASK_IDENTIFIER = "noop";
const CHILD_FLAG = "--graphile-worker-drain-child";

interface ChildSettings {
  connectionString: string;
  schema: string;
  concurrency: number;
  localQueueSize: number;
}

type ParentMessage = { type: "go" };
type ChildMessage = { type: "ready" } | { type: "done"; handled: number } | { type: "failed"; message: string };

export async function drainGraphileWorker(options: GraphileWorkerDrainOptions): Promise<DrainResult> {
  const jobs = options.jobs;
  const concurrency = options.concurrency ?? 24;
  const processes = options.processes ?? Math.min(4, availableParallelism());
  const localQueueSize = options.localQueueSize ?? 500;
  const analyze = options.analyze ?? true;
  const timeoutMilliseconds = options.timeoutMilliseconds ?? defaultTimeoutMilliseconds(jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`jobs must be a positive integer, got ${jobs}`);

  const { runMigrations } = await import("graphile-worker");
  const schema = randomSchemaName("bench_graphile");
  const quotedSchema = quoteIdentifier(schema);
  const pool = new pg.Pool({ connectionString: options.connectionString, max: 2 });
  const children: ChildProcess[] = [];
  try {
    await runMigrations({ connectionString: options.connectionString, schema, logger: await quietLogger() });

    // Enqueue (not timed): one add_jobs call, like perfTest/init.js.
    const enqueued = await pool.query<{ added: number }>(
      `select count(*)::int as added from ${quotedSchema}.add_jobs(array(
         select json_populate_record(null::${quotedSchema}.job_spec,
                  json_build_object('identifier', $2::text, 'payload', json_build_object('id', i)))
         from generate_series(1, $1::int) as i))`,
      [jobs, TASK_IDENTIFIER],
    );
    if (enqueued.rows[0]?.added !== jobs) throw new Error(`graphile-worker: enqueued ${enqueued.rows[0]?.added} of ${jobs} jobs`);
    if (analyze) await pool.query(`analyze ${quotedSchema}._private_jobs`);

    const settings: ChildSettings = { connectionString: options.connectionString, schema, concurrency, localQueueSize };
    const ready: Promise<void>[] = [];
    const done: Promise<number>[] = [];
    for (let index = 0; index < processes; index += 1) {
      const child = fork(fileURLToPath(import.meta.url), [CHILD_FLAG, JSON.stringify(settings)], {
        execArgv: ["--import", "tsx"],
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
      children.push(child);
      const lifecycle = watchChild(child, index);
      ready.push(lifecycle.ready);
      done.push(lifecycle.done);
    }
    await withTimeout(Promise.all(ready), 60_000, "graphile-worker: worker processes starting");

    const started = performance.now();
    for (const child of children) child.send({ type: "go" } satisfies ParentMessage);
    const handledPerProcess = await withTimeout(Promise.all(done), timeoutMilliseconds, `graphile-worker: draining ${jobs} jobs`);
    const seconds = (performance.now() - started) / 1000;

    // Completed jobs are deleted by graphile-worker; failed ones stay with their error and a later run_at.
    const remaining = await pool.query<{ count: number }>(`select count(*)::int as count from ${quotedSchema}._private_jobs`);
    const handled = handledPerProcess.reduce((sum, count) => sum + count, 0);
    if (remaining.rows[0]?.count !== 0 || handled !== jobs) {
      throw new Error(`graphile-worker: ${remaining.rows[0]?.count} jobs left in the database and ${handled} handled, expected 0 and ${jobs}`);
    }
    await withTimeout(Promise.all(children.map(waitForExit)), 10_000, "graphile-worker: worker processes exiting");

    return makeDrainResult({
      system: "graphile-worker",
      version: installedVersion("graphile-worker"),
      jobs,
      seconds,
      configuration:
        `${processes} processes x runOnce (concurrentJobs ${concurrency}, maxPoolSize ${concurrency + 1}, ` +
        `localQueue.size ${localQueueSize}, completeJobBatchDelay 0, failJobBatchDelay 0), add_jobs bulk enqueue` +
        `${analyze ? " + ANALYZE" : ""}, process start-up excluded as in perfTest`,
    });
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    try {
      await pool.query(`drop schema if exists ${quotedSchema} cascade`);
    } finally {
      await pool.end();
    }
  }
}

/** Promises for one worker process: `ready` once its options are compiled, `done` with its handled-job count. */
function watchChild(child: ChildProcess, index: number): { ready: Promise<void>; done: Promise<number> } {
  let resolveReady!: () => void;
  let resolveDone!: (handled: number) => void;
  let fail!: (error: Error) => void;
  const readyMessage = new Promise<void>((resolve) => (resolveReady = resolve));
  const doneMessage = new Promise<number>((resolve) => (resolveDone = resolve));
  const failure = new Promise<never>((_, reject) => (fail = reject));
  failure.catch(() => undefined);
  let finished = false;
  child.on("message", (message: ChildMessage) => {
    if (message.type === "ready") resolveReady();
    else if (message.type === "done") {
      finished = true;
      resolveDone(message.handled);
    } else fail(new Error(`graphile-worker process ${index} failed: ${message.message}`));
  });
  child.on("error", (error) => fail(error));
  child.on("exit", (code, signal) => {
    if (!finished) fail(new Error(`graphile-worker process ${index} exited early (code ${code}, signal ${signal})`));
  });
  const ready = Promise.race([readyMessage, failure]);
  const done = Promise.race([doneMessage, failure]);
  // Either may reject while nobody awaits it yet (e.g. `done` when start-up fails); the awaiter still sees it.
  ready.catch(() => undefined);
  done.catch(() => undefined);
  return { ready, done };
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** graphile-worker logger that only lets errors through. */
async function quietLogger() {
  const { Logger } = await import("graphile-worker");
  return new Logger(() => (level, message) => {
    if (String(level) === "error") process.stderr.write(`graphile-worker: ${message}\n`);
  });
}

/**
 * Worker process: compiles the runner options (pool + migration check, like the CLI does before running),
 * reports ready, waits for "go", then runs `runOnceInternal` exactly as `graphile-worker --once` does.
 */
async function runChild(settings: ChildSettings): Promise<void> {
  const send = (message: ChildMessage) => process.send?.(message);
  try {
    const { getUtilsAndReleasersFromOptions } = await import("graphile-worker/dist/lib.js");
    const { runOnceInternal } = await import("graphile-worker/dist/runner.js");
    let handled = 0;
    const taskList = {
      [TASK_IDENTIFIER]: async () => {
        handled += 1;
      },
    };
    const [compiledOptions, release] = await getUtilsAndReleasersFromOptions({
      connectionString: settings.connectionString,
      schema: settings.schema,
      logger: await quietLogger(),
      noHandleSignals: true,
      taskList,
      preset: {
        worker: {
          concurrentJobs: settings.concurrency,
          maxPoolSize: settings.concurrency + 1,
          localQueue: { size: settings.localQueueSize },
          completeJobBatchDelay: 0,
          failJobBatchDelay: 0,
          gracefulShutdownAbortTimeout: 2500,
        },
      },
    });
    try {
      await new Promise<void>((resolve, reject) => {
        process.on("message", (message: ParentMessage) => {
          if (message.type === "go") resolve();
        });
        process.once("disconnect", () => reject(new Error("parent process went away before go")));
        send({ type: "ready" });
      });
      await runOnceInternal(compiledOptions, taskList, () => undefined);
      send({ type: "done", handled }); // before releasing the pool: perfTest does not time shutdown either
    } finally {
      await release();
    }
  } catch (error) {
    send({ type: "failed", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    await sleep(50);
    process.exitCode = 1;
  } finally {
    process.disconnect?.();
  }
}

if (process.argv[2] === CHILD_FLAG && process.argv[1] === fileURLToPath(import.meta.url)) {
  void runChild(JSON.parse(process.argv[3] ?? "{}") as ChildSettings);
}
