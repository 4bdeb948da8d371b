/**
 * The endpoint pool: three simulated servers of parallelism P and latency L each (ideal 3·P / L);
 * then the same with one of them killed (SIGKILL) halfway, measured after the kill against the
 * capacity left (2·P / L). Each server is its own process.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/load-config.ts';
import { openHolocron } from '../src/holocron.ts';
import { startSimulatorProcess, type SimulatorProcess } from './support/simulator-process.ts';

export interface PoolBenchOptions {
  latencyMs: number;
  parallel: number;
  jobs: number;
  concurrency: number;
  /** Kill the second server when half the jobs are done. */
  killHalfway: boolean;
}

export interface PoolBenchResult {
  jobsPerSecond: number;
  ideal: number;
  efficiency: number;
  /** With killHalfway: throughput after the kill, its ideal (2·P / L), and the ratio. */
  afterKill?: { jobsPerSecond: number; ideal: number; efficiency: number; jobs: number };
  failed: number;
}

export async function measureEndpointPool(options: PoolBenchOptions): Promise<PoolBenchResult> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'holocron-pool-'));
  const servers: SimulatorProcess[] = [];
  for (let index = 0; index < 3; index++) {
    servers.push(await startSimulatorProcess(['--latency-ms', String(options.latencyMs), '--parallel', String(options.parallel)]));
  }
  const settings: Record<string, unknown> = {
    'database.url': path.join(directory, 'bench.sqlite'),
    'lake.root': path.join(directory, 'lake'),
    'worker.concurrency': options.concurrency,
    'log.level': 'warn',
    'backends.endpoints': servers.map((server, index) => ({ id: `sim-${index + 1}`, kind: 'ollama', baseUrl: server.url })),
  };
  const flags = Object.fromEntries(Object.entries(settings).map(([key, value]) => [key, { value, flag: 'bench' }]));
  const holocron = await openHolocron(loadConfig({ flags, environment: {}, cwd: directory }).config);
  try {
    await holocron.enqueue(
      Array.from({ length: options.jobs }, (_, index) => ({
        interrogation: 'sw_entity_facts_v1',
        entity_type: 'planet',
        entity_id: `pool_${index}`,
        evidence: [`Planet ${index} is an ocean world in the Mid Rim.`],
      })),
    );
    let done = 0;
    let killedAt: number | null = null;
    let doneAtKill = 0;
    const worker = holocron.createWorker({
      mode: 'drain',
      onRecorded: (outcomes) => {
        done += outcomes.filter((outcome) => outcome.kind === 'succeeded').length;
        if (options.killHalfway && killedAt === null && done >= options.jobs / 2) {
          killedAt = performance.now();
          doneAtKill = done;
          void servers[1]!.kill();
        }
      },
    });
    const started = performance.now();
    const summary = await worker.run();
    const ended = performance.now();
    const seconds = (ended - started) / 1000;
    const ideal = (3 * options.parallel) / (options.latencyMs / 1000);
    const jobsPerSecond = summary.succeeded / seconds;
    const result: PoolBenchResult = { jobsPerSecond, ideal, efficiency: jobsPerSecond / ideal, failed: summary.failed };
    if (killedAt !== null) {
      const after = summary.succeeded - doneAtKill;
      const afterSeconds = (ended - killedAt) / 1000;
      const afterIdeal = (2 * options.parallel) / (options.latencyMs / 1000);
      result.afterKill = { jobs: after, jobsPerSecond: after / afterSeconds, ideal: afterIdeal, efficiency: after / afterSeconds / afterIdeal };
    }
    if (summary.succeeded !== options.jobs) throw new Error(`pool drain: ${summary.succeeded}/${options.jobs} succeeded`);
    return result;
  } finally {
    await holocron.close();
    await Promise.all(servers.map((server) => server.kill()));
    fs.rmSync(directory, { recursive: true, force: true });
  }
}
