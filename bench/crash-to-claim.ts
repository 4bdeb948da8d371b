/**
 * Crash to claim: how long after `kill -9` of a worker another worker claims its job, with the default
 * settings (lease, renewal, reaping, polling). Each round enqueues K jobs and starts K worker processes
 * (`holocron work --once`) against a simulator that never answers; once each holds its job and is in
 * its call, a rescuer worker (in this process, default settings, idle: nothing is claimable) starts,
 * and each doomed worker is killed with SIGKILL at a random moment of its renewal cycle. A sample is
 * the time from a kill to the start of the rescuer's attempt on that job (both on this machine's
 * clock); every job must then have exactly one ABANDONED and one SUCCEEDED attempt.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { defaults } from '../src/config/defaults.ts';
import { openDatabase } from '../src/database/open-database.ts';
import { enqueueJobs } from '../src/queue/enqueue-jobs.ts';
import { startSimulator } from '../src/simulator/index.ts';
import { openBenchHolocron } from './support/open-bench-holocron.ts';

const repository = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface CrashToClaimOptions {
  /** A SQLite path or postgres:// URL (a fresh one). */
  databaseUrl: string;
  kills: number;
  /** Workers killed per round (default 5). */
  perRound?: number;
}

export interface CrashToClaimResult {
  samplesMs: number[];
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export async function measureCrashToClaim(options: CrashToClaimOptions): Promise<CrashToClaimResult> {
  const perRound = options.perRound ?? 5;
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'holocron-bench-crash-'));
  const lakeRoot = path.join(directory, 'lake');
  const database = await openDatabase(options.databaseUrl);
  const fast = await startSimulator();
  const samples: number[] = [];
  const renewMs = (defaults.worker.leaseSeconds * 1000) / 3;
  try {
    for (let round = 0; samples.length < options.kills; round++) {
      const count = Math.min(perRound, options.kills - samples.length);
      const slow = await startSimulator({ latencyMs: 3_600_000 });
      const doomed: ChildProcess[] = [];
      try {
        const jobs = await enqueueJobs(
          database,
          Array.from({ length: count }, (_, index) => ({
            interrogationKey: 'sw_entity_facts_v1',
            input: { entity_type: 'character', entity_id: `crash_${round}_${index}`, source_refs: [], extra_params: { evidence: [] } },
            priority: 100,
            maxAttempts: 3,
            runLabel: `crash-${round}`,
          })),
        );
        for (let index = 0; index < count; index++) {
          doomed.push(
            spawn(
              process.execPath,
              [
                '--import', path.join(repository, 'node_modules/tsx/dist/loader.mjs'), path.join(repository, 'test/support/run-cli.ts'),
                '--db', options.databaseUrl, '--lake-root', lakeRoot, 'work', '--once', '--ollama-url', slow.url, '--worker-id', `doomed-${round}-${index}`,
              ],
              { stdio: 'ignore' },
            ),
          );
        }
        while (slow.stats().generating + slow.stats().queueDepth < count) await sleep(20);
        const holocron = await openBenchHolocron({ directory, simulatorUrl: fast.url, concurrency: defaults.worker.concurrency, databaseUrl: options.databaseUrl });
        const rescuer = holocron.createWorker({ mode: 'loop' });
        const rescuing = rescuer.run();
        try {
          const killedAt = new Map<number, number>();
          await Promise.all(
            doomed.map(async (child, index) => {
              await sleep(Math.random() * renewMs);
              killedAt.set(jobs[index]!.id, Date.now());
              child.kill('SIGKILL');
            }),
          );
          const ids = jobs.map((job) => job.id);
          for (;;) {
            const runs = await database.db.selectFrom('runs').select(['job_id', 'status', 'started_at']).where('job_id', 'in', ids).execute();
            const succeeded = runs.filter((run) => run.status === 'SUCCEEDED');
            if (succeeded.length === count) {
              if (runs.filter((run) => run.status === 'ABANDONED').length !== count || runs.length !== 2 * count) {
                throw new Error(`crash to claim: expected one ABANDONED and one SUCCEEDED attempt per job, got ${JSON.stringify(runs)}`);
              }
              for (const run of succeeded) samples.push(Number(run.started_at) - killedAt.get(Number(run.job_id))!);
              if (process.env.HOLOCRON_BENCH_VERBOSE) {
                const abandoned = await database.db.selectFrom('runs').select(['job_id', 'completed_at', 'started_at']).where('job_id', 'in', ids).where('status', '=', 'ABANDONED').execute();
                for (const run of abandoned) {
                  const killed = killedAt.get(Number(run.job_id))!;
                  const claimed = Number(succeeded.find((s) => s.job_id === run.job_id)!.started_at);
                  process.stderr.write(`kill→reap ${Number(run.completed_at) - killed} ms, reap→claim ${claimed - Number(run.completed_at)} ms\n`);
                }
              }
              break;
            }
            await sleep(20);
          }
        } finally {
          rescuer.stop();
          await rescuing;
          await holocron.close();
        }
      } finally {
        for (const child of doomed) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await slow.close();
      }
    }
  } finally {
    await fast.close();
    await database.close();
    fs.rmSync(directory, { recursive: true, force: true });
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const quantile = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { samplesMs: samples, p50Ms: quantile(0.5), p99Ms: quantile(0.99), maxMs: sorted.at(-1)! };
}
