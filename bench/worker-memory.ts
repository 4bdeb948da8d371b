/**
 * The worker's resident memory through a long drain: N sw_entity_facts_v1 jobs (enqueued untimed, on
 * SQLite) drained by one worker process against the simulator (its own process) at zero latency. The
 * worker samples its own RSS and heap every `sampleEvery` recorded jobs; the figure that matters is
 * the growth after warm-up (first sample past 10 % of the jobs → last) and the peak.
 * This module is also the entry point of that forked worker process.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openBenchHolocron } from './support/open-bench-holocron.ts';
import { runForkedWorkers, serveForkedWorker } from './support/forked-workers.ts';
import { startSimulatorProcess } from './support/simulator-process.ts';
import { limitWorkerHeapGrowth } from '../src/worker/worker-heap.ts';

export interface WorkerMemoryOptions {
  jobs: number;
  concurrency: number;
  /** Where the database and lake go; default a temp dir. */
  parent?: string;
  /** The worker's V8 heap growth: `cli` as `holocron work` sets it (the default), `v8` V8's own heuristic. */
  heap?: 'cli' | 'v8';
}

export interface MemorySample {
  done: number;
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  /** From /proc/self/status where there is one: anonymous memory, mapped files, shared memory. */
  rssAnonMb?: number;
  rssFileMb?: number;
  rssShmemMb?: number;
}

export interface WorkerMemoryResult {
  jobs: number;
  seconds: number;
  samples: MemorySample[];
  /** RSS at the first sample past warm-up (10 % of the jobs). */
  warmRssMb: number;
  finalRssMb: number;
  peakRssMb: number;
}

interface ChildSettings {
  directory: string;
  simulatorUrl: string;
  concurrency: number;
  sampleEvery: number;
  heap: 'cli' | 'v8';
}

const childFlag = '--worker-memory-child';

export async function measureWorkerMemory(options: WorkerMemoryOptions): Promise<WorkerMemoryResult> {
  const directory = fs.mkdtempSync(path.join(options.parent ?? os.tmpdir(), 'holocron-bench-memory-'));
  const simulator = await startSimulatorProcess(['--latency-ms', '0', '--parallel', String(options.concurrency * 2), '--max-queue', '100000']);
  const settings: ChildSettings = {
    directory,
    simulatorUrl: simulator.url,
    concurrency: options.concurrency,
    sampleEvery: Math.max(1, Math.floor(options.jobs / 20)),
    heap: options.heap ?? 'cli',
  };
  const holocron = await openBenchHolocron(settings);
  try {
    const batch = 20_000;
    for (let start = 0; start < options.jobs; start += batch) {
      await holocron.enqueue(
        Array.from({ length: Math.min(batch, options.jobs - start) }, (_, offset) => ({
          interrogation: 'sw_entity_facts_v1',
          entity_type: 'character',
          entity_id: `memory_${start + offset}`,
          evidence: [`Bench entity ${start + offset} was a human pilot from Corellia who flew with the Rebel Alliance in 0 ABY.`],
        })),
      );
    }
    const { seconds, reports } = await runForkedWorkers(fileURLToPath(import.meta.url), [childFlag, JSON.stringify(settings)], 1);
    const report = reports[0]!;
    if (Number(report.succeeded) !== options.jobs) throw new Error(`worker memory: ${String(report.succeeded)}/${options.jobs} succeeded`);
    const samples = report.samples as MemorySample[];
    const warm = samples.find((sample) => sample.done >= options.jobs * 0.1) ?? samples[0]!;
    return {
      jobs: options.jobs,
      seconds,
      samples,
      warmRssMb: warm.rssMb,
      finalRssMb: samples.at(-1)!.rssMb,
      peakRssMb: Math.max(...samples.map((sample) => sample.rssMb)),
    };
  } finally {
    await holocron.close();
    await simulator.stop();
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

function sample(done: number): MemorySample {
  const usage = process.memoryUsage();
  const mb = (bytes: number) => Math.round(bytes / 1048576);
  const result: MemorySample = { done, rssMb: mb(usage.rss), heapUsedMb: mb(usage.heapUsed), heapTotalMb: mb(usage.heapTotal), externalMb: mb(usage.external) };
  try {
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    const kilobytes = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    result.rssAnonMb = Math.round(kilobytes('RssAnon') / 1024);
    result.rssFileMb = Math.round(kilobytes('RssFile') / 1024);
    result.rssShmemMb = Math.round(kilobytes('RssShmem') / 1024);
  } catch {
    // not Linux
  }
  return result;
}

async function runChild(settings: ChildSettings): Promise<void> {
  // As `holocron work` does (or not, to compare).
  if (settings.heap === 'cli') limitWorkerHeapGrowth();
  await serveForkedWorker(async () => {
    const holocron = await openBenchHolocron(settings);
    const samples: MemorySample[] = [];
    let done = 0;
    let nextSample = settings.sampleEvery;
    const worker = holocron.createWorker({
      mode: 'drain',
      onRecorded: (outcomes) => {
        done += outcomes.length;
        if (done >= nextSample) {
          nextSample += settings.sampleEvery;
          samples.push(sample(done));
          if (process.env.HOLOCRON_BENCH_VERBOSE) process.stderr.write(`${JSON.stringify(samples.at(-1))}\n`);
        }
      },
    });
    return {
      run: async () => {
        samples.push(sample(0));
        if (process.env.HOLOCRON_BENCH_VERBOSE) process.stderr.write(`${JSON.stringify(samples.at(-1))}\n`);
        const summary = await worker.run();
        samples.push(sample(done));
        return { succeeded: summary.succeeded, samples };
      },
      close: () => holocron.close(),
    };
  });
}

if (process.argv[2] === childFlag) await runChild(JSON.parse(process.argv[3]!));
