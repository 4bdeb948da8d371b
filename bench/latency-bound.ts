/**
 * The latency-bound case: with simulated generation latency L and server parallelism P, the best any
 * client can do is P / L jobs per second. Holocron should keep the server's slots full (≥ 95 % of it).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openBenchHolocron } from './support/open-bench-holocron.ts';
import { startSimulatorProcess } from './support/simulator-process.ts';

export interface LatencyBoundOptions {
  latencyMs: number;
  parallel: number;
  jobs: number;
  concurrency: number;
  /** The server's pending cap (`--max-queue`, OLLAMA_MAX_QUEUE): past parallel + this, it answers 503. Default the simulator's (512). */
  maxQueue?: number;
}

export interface LatencyBoundResult {
  jobsPerSecond: number;
  idealJobsPerSecond: number;
  efficiency: number;
  seconds: number;
  /** Calls the server refused as busy (each deferred its job, no attempt spent). */
  deferred: number;
  /** Where the endpoint's in-flight level settled. */
  settledLimit: number | null;
}

export async function measureLatencyBound(options: LatencyBoundOptions): Promise<LatencyBoundResult> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'holocron-latency-'));
  const simulator = await startSimulatorProcess([
    '--latency-ms', String(options.latencyMs), '--parallel', String(options.parallel),
    ...(options.maxQueue === undefined ? [] : ['--max-queue', String(options.maxQueue)]),
  ]);
  const holocron = await openBenchHolocron({ directory, simulatorUrl: simulator.url, concurrency: options.concurrency });
  try {
    await holocron.enqueue(
      Array.from({ length: options.jobs }, (_, index) => ({
        interrogation: 'sw_entity_facts_v1',
        entity_type: 'planet',
        entity_id: `latency_${index}`,
        evidence: [`Planet ${index} is a desert world in the Outer Rim with two suns.`],
      })),
    );
    const started = performance.now();
    const summary = await holocron.createWorker({ mode: 'drain' }).run();
    const seconds = (performance.now() - started) / 1000;
    if (summary.succeeded !== options.jobs) throw new Error(`latency-bound drain: ${summary.succeeded}/${options.jobs} succeeded`);
    const jobsPerSecond = options.jobs / seconds;
    const idealJobsPerSecond = options.parallel / (options.latencyMs / 1000);
    return {
      jobsPerSecond,
      idealJobsPerSecond,
      efficiency: jobsPerSecond / idealJobsPerSecond,
      seconds,
      deferred: summary.deferred,
      settledLimit: summary.endpoints[0]?.limit ?? null,
    };
  } finally {
    await holocron.close();
    await simulator.stop();
    fs.rmSync(directory, { recursive: true, force: true });
  }
}
