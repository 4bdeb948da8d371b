/**
 * The full pipeline's rate: N sw_entity_facts_v1 jobs (enqueued untimed) drained by one worker process
 * against the simulator in its own process — evidence bundle, prompt, HTTP call (streamed NDJSON),
 * validation, five or six lake files written and hashed, outcomes recorded.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openBenchHolocron } from './support/open-bench-holocron.ts';
import { startSimulatorProcess } from './support/simulator-process.ts';

export interface PipelineDrainOptions {
  databaseUrl?: string;
  jobs: number;
  concurrency: number;
  latencyMs: number;
  parallel: number;
  /** Where the lake goes (its file system matters: creating files is most of its cost); default a temp dir. */
  lakeParent?: string;
}

export interface PipelineDrainResult {
  jobs: number;
  seconds: number;
  jobsPerSecond: number;
}

export async function drainPipeline(options: PipelineDrainOptions): Promise<PipelineDrainResult> {
  const directory = fs.mkdtempSync(path.join(options.lakeParent ?? os.tmpdir(), 'holocron-bench-'));
  const simulator = await startSimulatorProcess(['--latency-ms', String(options.latencyMs), '--parallel', String(options.parallel), '--max-queue', '100000']);
  const holocron = await openBenchHolocron({ directory, simulatorUrl: simulator.url, concurrency: options.concurrency, databaseUrl: options.databaseUrl });
  try {
    await holocron.enqueue(
      Array.from({ length: options.jobs }, (_, index) => ({
        interrogation: 'sw_entity_facts_v1',
        entity_type: 'character',
        entity_id: `bench_${index}`,
        evidence: [`Bench entity ${index} was a human pilot from Corellia who flew with the Rebel Alliance in 0 ABY.`],
      })),
    );
    const started = performance.now();
    const summary = await holocron.createWorker({ mode: 'drain' }).run();
    const seconds = (performance.now() - started) / 1000;
    if (summary.succeeded !== options.jobs) throw new Error(`pipeline drain: ${summary.succeeded}/${options.jobs} succeeded`);
    return { jobs: options.jobs, seconds, jobsPerSecond: options.jobs / seconds };
  } finally {
    await holocron.close();
    await simulator.stop();
    fs.rmSync(directory, { recursive: true, force: true });
  }
}
