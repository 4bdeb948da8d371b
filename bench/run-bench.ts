/**
 * `npm run bench`: throughput figures measured in one run on this machine (not a test; it prints).
 *   1. No-op drain on PostgreSQL: Holocron (run history kept) beside graphile-worker 0.17 and pg-boss 10.
 *   2. No-op drain on SQLite: Holocron.
 *   3. The full pipeline on SQLite against the simulator at zero latency (lake on disk, and on tmpfs).
 *   4. Latency-bound: simulated latency L and parallelism P, against the ideal P / L.
 *   5. Recovery: crash-to-claim time after kill -9 (p50 / p99), lease-renewal statements with 1,000 held.
 *   6. Worker memory: resident memory through a long drain against the simulator at zero latency.
 *   7. Lake fsck over 100,000 attempts (full and --quick); the pipeline with every call a cache hit.
 *   8. The HTTP API at 1,000,000 jobs and attempts: p95 of the overview, job list, job page and comparison.
 *   9. Busy server: P = 2 slots and a pending cap of 2 (503 beyond), --concurrency 16, against P / L.
 *  10. Endpoint pool: three servers against 3·P / L, and with one killed halfway against 2·P / L.
 * Flags: --quick (smaller runs), --only queue|pipeline|latency|busy|pool|documents|recovery|memory|evaluations|fsck|cache-hits|api, --postgres URL,
 *   --no-postgres / --no-sqlite (api: one dialect only).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { drainGraphileWorker } from './competitors/graphile-worker-drain.ts';
import { drainPgBoss } from './competitors/pg-boss-drain.ts';
import { measureCrashToClaim } from './crash-to-claim.ts';
import { measureLatencyBound } from './latency-bound.ts';
import { measureEndpointPool } from './endpoint-pool-bench.ts';
import { measureLeaseRenewal } from './lease-renewal.ts';
import { drainNoop } from './noop-drain.ts';
import { drainPipeline } from './pipeline-drain.ts';
import { measureDocuments } from './documents-bench.ts';
import { measureWorkerMemory } from './worker-memory.ts';
import { benchEvaluationStore } from './evaluation-store.ts';
import { benchLakeFsck } from './lake-fsck-bench.ts';
import { benchCacheHits } from './cache-hits-bench.ts';
import { benchApi } from './api-bench.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    postgres: { type: 'string', default: process.env.HOLOCRON_TEST_POSTGRES_URL ?? 'postgres://root@127.0.0.1:5432/test' },
    'no-postgres': { type: 'boolean', default: false },
    'no-sqlite': { type: 'boolean', default: false },
  },
});
const quick = values.quick!;
const postgresUrl = values.postgres!;
const rows: string[][] = [];

function record(section: string, system: string, jobsPerSecond: number, detail: string, unit = 'jobs/s'): void {
  const value = Number.isInteger(jobsPerSecond) || Math.abs(jobsPerSecond) >= 100 ? Math.round(jobsPerSecond).toLocaleString('en-US') : jobsPerSecond.toFixed(2);
  rows.push([section, system, `${value} ${unit}`, detail]);
  process.stdout.write(`  ${system.padEnd(34)} ${value.padStart(8)} ${unit}  ${detail}\n`);
}

async function withSchema<T>(prefix: string, work: (url: string) => Promise<T>): Promise<T> {
  const schema = `${prefix}_${Math.random().toString(36).slice(2, 10)}`;
  try {
    return await work(`${postgresUrl}${postgresUrl.includes('?') ? '&' : '?'}schema=${schema}`);
  } finally {
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  }
}

async function queueSection(): Promise<void> {
  const jobs = quick ? 10_000 : 50_000;
  process.stdout.write(`\n1. No-op drain on PostgreSQL, ${jobs.toLocaleString('en-US')} jobs (enqueue not timed)\n`);
  const holocron = await withSchema('bench_holocron', (url) => drainNoop({ url, jobs, processes: 2, concurrency: 1000, prefetch: 1000 }));
  record('postgres no-op', 'Holocron (run history kept)', holocron.jobsPerSecond, holocron.configuration);
  const graphile = await drainGraphileWorker({ connectionString: postgresUrl, jobs });
  record('postgres no-op', `graphile-worker ${graphile.version} (batched)`, graphile.jobsPerSecond, graphile.configuration);
  const boss = await drainPgBoss({ connectionString: postgresUrl, jobs: quick ? 5_000 : 20_000 });
  record('postgres no-op', `pg-boss ${boss.version}`, boss.jobsPerSecond, `${boss.jobs.toLocaleString('en-US')} jobs; ${boss.configuration}`);

  process.stdout.write(`\n2. No-op drain on SQLite, ${jobs.toLocaleString('en-US')} jobs\n`);
  const directory = fs.mkdtempSync(`${os.tmpdir()}/holocron-bench-sqlite-`);
  try {
    const sqlite = await drainNoop({ url: `${directory}/bench.sqlite`, jobs, processes: 1, concurrency: 1000, prefetch: 1000 });
    record('sqlite no-op', 'Holocron (run history kept)', sqlite.jobsPerSecond, sqlite.configuration);
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

async function pipelineSection(): Promise<void> {
  const jobs = quick ? 2_000 : 10_000;
  process.stdout.write(`\n3. Full pipeline on SQLite, simulator at zero latency (own process), ${jobs.toLocaleString('en-US')} jobs\n`);
  const disk = `${os.tmpdir()} (${fileSystemOf(os.tmpdir())})`;
  const onDisk = await drainPipeline({ jobs, concurrency: 64, latencyMs: 0, parallel: 128 });
  record('pipeline', 'Holocron, lake on disk', onDisk.jobsPerSecond, `1 worker process × concurrency 64, lake in ${disk}; ${Math.round(onDisk.workerCpuMicrosecondsPerJob)} µs worker CPU per job`);
  if (fs.existsSync('/dev/shm')) {
    const inMemory = await drainPipeline({ jobs, concurrency: 64, latencyMs: 0, parallel: 128, lakeParent: '/dev/shm' });
    record(
      'pipeline',
      'Holocron, lake on tmpfs',
      inMemory.jobsPerSecond,
      `1 worker process × concurrency 64, lake and database in /dev/shm; ${Math.round(inMemory.workerCpuMicrosecondsPerJob)} µs worker CPU per job`,
    );
  }
}

async function latencySection(): Promise<void> {
  const latencyMs = 200;
  const parallel = 8;
  const jobs = quick ? 160 : 400;
  process.stdout.write(`\n4. Latency-bound: L = ${latencyMs} ms, P = ${parallel}, ideal P / L = ${parallel / (latencyMs / 1000)} jobs/s, ${jobs} jobs\n`);
  const result = await measureLatencyBound({ latencyMs, parallel, jobs, concurrency: parallel * 2 });
  record('latency-bound', 'Holocron', result.jobsPerSecond, `${(result.efficiency * 100).toFixed(1)} % of P / L (worker concurrency ${parallel * 2})`);
}

async function busySection(): Promise<void> {
  const latencyMs = 200;
  const parallel = 2;
  const maxQueue = 2;
  const concurrency = 16;
  const jobs = quick ? 100 : 200;
  process.stdout.write(
    `\nBusy server: L = ${latencyMs} ms, P = ${parallel}, max queue ${maxQueue} (503 past ${parallel + maxQueue} in flight), --concurrency ${concurrency}, ` +
      `ideal P / L = ${parallel / (latencyMs / 1000)} jobs/s, ${jobs} jobs (target ≥ 90 %)\n`,
  );
  const result = await measureLatencyBound({ latencyMs, parallel, jobs, concurrency, maxQueue });
  record(
    'busy server',
    'Holocron',
    result.jobsPerSecond,
    `${(result.efficiency * 100).toFixed(1)} % of P / L; ${result.deferred} calls deferred (503), in-flight level settled at ${result.settledLimit} of ${concurrency}`,
  );
}

async function poolSection(): Promise<void> {
  const latencyMs = 200;
  const parallel = 4;
  const jobs = quick ? 300 : 600;
  const concurrency = 3 * parallel * 2;
  process.stdout.write(`\nEndpoint pool: 3 simulated servers, L = ${latencyMs} ms, P = ${parallel} each, ideal 3·P / L = ${(3 * parallel) / (latencyMs / 1000)} jobs/s, ${jobs} jobs (target ≥ 95 %)\n`);
  const all = await measureEndpointPool({ latencyMs, parallel, jobs, concurrency, killHalfway: false });
  record('endpoint pool', 'Holocron, 3 servers', all.jobsPerSecond, `${(all.efficiency * 100).toFixed(1)} % of 3·P / L (--concurrency ${concurrency})`);
  const killed = await measureEndpointPool({ latencyMs, parallel, jobs, concurrency, killHalfway: true });
  const after = killed.afterKill!;
  record(
    'endpoint pool',
    'Holocron, one killed halfway',
    after.jobsPerSecond,
    `${(after.efficiency * 100).toFixed(1)} % of the capacity left (2·P / L = ${after.ideal} jobs/s) over the ${after.jobs} jobs after the kill; ${killed.failed} failed attempts`,
  );
}

async function recoverySection(): Promise<void> {
  const kills = quick ? 10 : 20;
  process.stdout.write(`\n5. Recovery with the default settings: kill -9 of a worker in its call → another worker claims the job (${kills} kills each)\n`);
  const directory = fs.mkdtempSync(`${os.tmpdir()}/holocron-bench-recovery-`);
  try {
    for (const [name, run] of [
      ['SQLite', (work: (url: string) => Promise<void>) => work(`${directory}/crash.sqlite`)],
      ['PostgreSQL', (work: (url: string) => Promise<void>) => withSchema('bench_crash', work)],
    ] as const) {
      await run(async (databaseUrl) => {
        const result = await measureCrashToClaim({ databaseUrl, kills });
        const seconds = (ms: number) => (ms / 1000).toFixed(1);
        record('crash to claim', `${name}, p50`, result.p50Ms / 1000, `${kills} kills; p99 ${seconds(result.p99Ms)} s, max ${seconds(result.maxMs)} s (target p99 ≤ 10 s)`, 's');
        record('crash to claim', `${name}, p99`, result.p99Ms / 1000, '', 's');
      });
    }
    const held = 1_000;
    const windowSeconds = quick ? 6 : 12;
    for (const [name, run] of [
      ['SQLite', (work: (url: string) => Promise<void>) => work(`${directory}/renewal.sqlite`)],
      ['PostgreSQL', (work: (url: string) => Promise<void>) => withSchema('bench_renewal', work)],
    ] as const) {
      await run(async (databaseUrl) => {
        const result = await measureLeaseRenewal({ databaseUrl, held, windowSeconds });
        record(
          'lease renewal',
          `${name}, ${held.toLocaleString('en-US')} jobs held`,
          result.renewalsPerSecond,
          `${result.renewalsPerInterval.toFixed(2)} per renewal interval (lease ${result.leaseSeconds} s / 3), ${result.renewalMs.toFixed(1)} ms each; ` +
            `reaper reads ${result.readsPerSecond.toFixed(2)}/s, other statements ${result.otherStatements} in ${windowSeconds} s`,
          'statements/s',
        );
      });
    }
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

async function memorySection(): Promise<void> {
  const jobs = quick ? 20_000 : 100_000;
  process.stdout.write(`\n6. Worker resident memory, full pipeline on SQLite against the simulator at zero latency, ${jobs.toLocaleString('en-US')} jobs (target: flat after warm-up, < 200 MB)\n`);
  // The heap growth `holocron work` sets, then V8's own, over the same drain: memory and throughput side by side.
  for (const [heap, label] of [['cli', 'heap growth capped as by holocron work'], ['v8', "V8's default heap growth"]] as const) {
    const result = await measureWorkerMemory({ jobs, concurrency: 64, heap });
    const at = (fraction: number) => result.samples.find((sample) => sample.done >= jobs * fraction) ?? result.samples.at(-1)!;
    const path = [0, 0.1, 0.25, 0.5, 0.75, 1].map((fraction) => `${at(fraction).done.toLocaleString('en-US')}: ${at(fraction).rssMb}`).join(' · ');
    const warm = result.samples.filter((sample) => sample.done >= jobs * 0.1).map((sample) => sample.rssMb);
    process.stdout.write(`  ${label}:\n`);
    record('worker memory', 'RSS after warm-up (10 %)', result.warmRssMb, `MB by jobs done: ${path}`, 'MB');
    record(
      'worker memory',
      'RSS at the end',
      result.finalRssMb,
      `after warm-up ${Math.min(...warm)}–${Math.max(...warm)} MB (peak ${result.peakRssMb}); growth after warm-up ${result.finalRssMb - result.warmRssMb} MB; ${Math.round(jobs / result.seconds)} jobs/s`,
      'MB',
    );
  }
}

function fileSystemOf(directory: string): string {
  try {
    const mounts = fs.readFileSync('/proc/mounts', 'utf8').split('\n').map((line) => line.split(' '));
    const match = mounts.filter((fields) => fields[1] && directory.startsWith(fields[1])).sort((a, b) => b[1]!.length - a[1]!.length)[0];
    return match ? match[2]! : 'unknown';
  } catch {
    return 'unknown';
  }
}

process.stdout.write(`Holocron benchmarks — ${os.cpus().length} cores, Node ${process.version}, ${new Date().toISOString()}\n`);
async function documentsSection(): Promise<void> {
  process.stdout.write('\nDocuments: the legacy backfill, and queries on a big index (SQLite)\n');
  await measureDocuments({ quick, write: (text) => process.stdout.write(text) });
}

async function evaluationsSection(): Promise<void> {
  const runs = quick ? 1_000 : 10_000;
  const itemsPerRun = 100;
  const bigRunItems = quick ? 10_000 : 100_000;
  process.stdout.write(`\nEvaluation store: ${runs.toLocaleString('en-US')} runs × ${itemsPerRun} items, and two runs of ${bigRunItems.toLocaleString('en-US')} scored items (targets: p95 ≤ 100 ms; big compare ≤ 2 s)\n`);
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'holocron-bench-eval-'));
  const measure = async (label: string, url: string) => {
    const result = await benchEvaluationStore({ url, runs, itemsPerRun, bigRunItems, iterations: quick ? 20 : 50 });
    process.stdout.write(
      `  ${label.padEnd(10)} ${result.items.toLocaleString('en-US')} items generated in ${result.generateSeconds.toFixed(1)} s; p95 list ${result.listP95Ms.toFixed(1)} ms, ` +
        `search ${result.searchP95Ms.toFixed(1)} ms, compare (uncached) ${result.compareP95Ms.toFixed(1)} ms; compare of the two big runs ${result.bigCompareMs.toFixed(0)} ms\n`,
    );
  };
  try {
    await measure('SQLite', path.join(directory, 'eval.sqlite'));
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
  await withSchema('bench_eval', (url) => measure('PostgreSQL', url));
}

async function fsckSection(): Promise<void> {
  const attempts = quick ? 10_000 : 100_000;
  process.stdout.write(`\nLake fsck over ${attempts.toLocaleString('en-US')} attempts (7 files each; SQLite; targets at 100,000: full ≤ 60 s, --quick ≤ 10 s)\n`);
  const result = await benchLakeFsck({ attempts, write: (text) => process.stdout.write(text) });
  const detail = `${result.files.toLocaleString('en-US')} files, ${(result.bytes / 1e6).toFixed(0)} MB on ${result.fileSystem}, page cache warm`;
  record('lake fsck', 'full (size + sha256 of every file)', result.fullSeconds, detail, 's');
  record('lake fsck', '--quick (every file present)', result.quickSeconds, `${Math.round(result.files / result.quickSeconds).toLocaleString('en-US')} files/s`, 's');
}

async function cacheHitsSection(): Promise<void> {
  const jobs = quick ? 3_000 : 10_000;
  process.stdout.write(`\nPipeline on SQLite with every call a cache hit, ${jobs.toLocaleString('en-US')} jobs, one worker × concurrency 64 (target ≥ 3,000 jobs/s); the anchor makes the calls\n`);
  const result = await benchCacheHits({ jobs, concurrency: 64 });
  record('cache hits', 'every call a cache hit', result.hitsPerSecond, `no chat request, no folder written (checked); ${Math.round(result.hitCpuMicrosecondsPerJob)} µs CPU per job`);
  record('cache hits', 'anchor: the same jobs making calls', result.callsPerSecond, 'simulator in-process at zero latency; cache entries written');
}

async function apiSection(): Promise<void> {
  const jobs = quick ? 100_000 : 1_000_000;
  const iterations = quick ? 20 : 50;
  process.stdout.write(`\nHTTP API over real HTTP, ${jobs.toLocaleString('en-US')} jobs and ${jobs.toLocaleString('en-US')} attempts (target: p95 ≤ 100 ms; ${iterations} requests each)\n`);
  const measure = async (label: string, databaseUrl: string, lakeRoot: string) => {
    const result = await benchApi({ databaseUrl, lakeRoot, jobs, iterations });
    process.stdout.write(`  ${label}: generated in ${result.generateSeconds.toFixed(1)} s\n`);
    for (const [name, p95] of Object.entries(result.p95Ms)) {
      record(`api ${label}`, name, p95, `p50 ${result.p50Ms[name]!.toFixed(1)} ms`, 'ms p95');
    }
  };
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'holocron-bench-api-'));
  try {
    if (!values['no-sqlite']) await measure('SQLite', path.join(directory, 'api.sqlite'), path.join(directory, 'lake'));
    if (!values['no-postgres']) await withSchema('bench_api', (url) => measure('PostgreSQL', url, path.join(directory, 'lake-pg')));
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

const sections: Record<string, () => Promise<void>> = {
  queue: queueSection,
  pipeline: pipelineSection,
  latency: latencySection,
  busy: busySection,
  pool: poolSection,
  documents: documentsSection,
  recovery: recoverySection,
  memory: memorySection,
  evaluations: evaluationsSection,
  fsck: fsckSection,
  'cache-hits': cacheHitsSection,
  api: apiSection,
};
for (const [name, run] of Object.entries(sections)) {
  if (values.only && values.only !== name) continue;
  await run();
}
process.stdout.write(`\nSummary\n${rows.map((row) => `  ${row[0]!.padEnd(15)} ${row[1]!.padEnd(34)} ${row[2]!.padStart(14)}`).join('\n')}\n`);
