/**
 * Standalone runner for the competitor drains:
 *   node --import tsx bench/competitors/run-competitors.ts --jobs 20000 [--runs 2] [--only graphile-worker|pg-boss]
 *     [--connection postgres://...] [--processes 2] [--concurrency 24] [--local-queue-size 500]
 *     [--batch-size 2000] [--workers 8] [--skip-analyze]
 */
import { parseArgs } from "node:util";
import { drainGraphileWorker } from "./graphile-worker-drain.ts";
import { drainPgBoss } from "./pg-boss-drain.ts";
import type { DrainResult } from "./drain-result.ts";

const { values } = parseArgs({
  options: {
    jobs: { type: "string", default: "20000" },
    runs: { type: "string", default: "1" },
    only: { type: "string" },
    connection: { type: "string", default: process.env.DATABASE_URL ?? "postgres://root@127.0.0.1:5432/test" },
    processes: { type: "string" },
    concurrency: { type: "string" },
    "local-queue-size": { type: "string" },
    "batch-size": { type: "string" },
    workers: { type: "string" },
    "skip-analyze": { type: "boolean", default: false },
  },
});

const optionalNumber = (text: string | undefined) => (text === undefined ? undefined : Number(text));
const jobs = Number(values.jobs);
const runs = Number(values.runs);
const connectionString = values.connection;
const analyze = !values["skip-analyze"];

function print(result: DrainResult): void {
  console.log(
    `${result.system} ${result.version}: ${result.jobs} jobs in ${result.seconds.toFixed(3)} s = ` +
      `${Math.round(result.jobsPerSecond)} jobs/s  [${result.configuration}]`,
  );
}

for (let run = 1; run <= runs; run += 1) {
  if (values.only === undefined || values.only === "graphile-worker") {
    print(
      await drainGraphileWorker({
        connectionString,
        jobs,
        analyze,
        concurrency: optionalNumber(values.concurrency),
        processes: optionalNumber(values.processes),
        localQueueSize: optionalNumber(values["local-queue-size"]),
      }),
    );
  }
  if (values.only === undefined || values.only === "pg-boss") {
    print(
      await drainPgBoss({
        connectionString,
        jobs,
        analyze,
        batchSize: optionalNumber(values["batch-size"]),
        workers: optionalNumber(values.workers),
      }),
    );
  }
}
