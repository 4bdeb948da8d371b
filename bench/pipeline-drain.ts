/**
 * The full pipeline's rate: N sw_entity_facts_v1 jobs (enqueued untimed) drained by worker processes
 * against the simulator in its own process — evidence bundle, prompt, HTTP call (streamed NDJSON),
 * validation, the attempt's files written and hashed in the lake, outcomes recorded. Worker processes
 * are started and connected before the clock starts and timed from "go" until the last has drained.
 * This module is also the entry point of those forked worker processes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openBenchHolocron } from './support/open-bench-holocron.ts';
import { runForkedWorkers, serveForkedWorker } from './support/forked-workers.ts';
import { startSimulatorProcess } from './support/simulator-process.ts';

export interface PipelineDrainOptions {
  databaseUrl?: string;
  jobs: number;
  /** LLM calls in flight per worker process. */
  concurrency: number;
  latencyMs: number;
  parallel: number;
  /** Worker processes sharing the queue (default 1). */
  processes?: number;
  /** Where the lake goes (its file system matters: creating files is most of its cost); default a temp dir. */
  lakeParent?: string;
}

export interface PipelineDrainResult {
  jobs: number;
  seconds: number;
  jobsPerSecond: number;
  /** Worker CPU (all processes) per job, in microseconds. */
  workerCpuMicrosecondsPerJob: number;
}

interface ChildSettings {
  directory: string;
  simulatorUrl: string;
  concurrency: number;
  databaseUrl?: string;
}

const childFlag = '--pipeline-drain-child';

export async function drainPipeline(options: PipelineDrainOptions): Promise<PipelineDrainResult> {
  const directory = fs.mkdtempSync(path.join(options.lakeParent ?? os.tmpdir(), 'holocron-bench-'));
  const simulator = await startSimulatorProcess(['--latency-ms', String(options.latencyMs), '--parallel', String(options.parallel), '--max-queue', '100000']);
  const settings: ChildSettings = { directory, simulatorUrl: simulator.url, concurrency: options.concurrency, databaseUrl: options.databaseUrl };
  const holocron = await openBenchHolocron(settings);
  try {
    await holocron.enqueue(
      Array.from({ length: options.jobs }, (_, index) => ({
        interrogation: 'sw_entity_facts_v1',
        entity_type: 'character',
        entity_id: `bench_${index}`,
        evidence: [`Bench entity ${index} was a human pilot from Corellia who flew with the Rebel Alliance in 0 ABY.`],
      })),
    );
    const { seconds, reports: done } = await runForkedWorkers(
      fileURLToPath(import.meta.url),
      [childFlag, JSON.stringify(settings)],
      options.processes ?? 1,
    );
    const succeeded = done.reduce((total, message) => total + Number(message.succeeded), 0);
    if (succeeded !== options.jobs) throw new Error(`pipeline drain: ${succeeded}/${options.jobs} succeeded`);
    const cpuMicroseconds = done.reduce((total, message) => total + Number(message.cpuMicroseconds), 0);
    return { jobs: options.jobs, seconds, jobsPerSecond: options.jobs / seconds, workerCpuMicrosecondsPerJob: cpuMicroseconds / options.jobs };
  } finally {
    await holocron.close();
    await simulator.stop();
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

async function runChild(settings: ChildSettings): Promise<void> {
  await serveForkedWorker(async () => {
    const holocron = await openBenchHolocron(settings);
    const worker = holocron.createWorker({ mode: 'drain' });
    return {
      run: async () => {
        const cpu = process.cpuUsage();
        const summary = await worker.run();
        const used = process.cpuUsage(cpu);
        return { succeeded: summary.succeeded, cpuMicroseconds: used.user + used.system };
      },
      close: () => holocron.close(),
    };
  });
}

if (process.argv[2] === childFlag) await runChild(JSON.parse(process.argv[3]!));
