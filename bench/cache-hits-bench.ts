/**
 * The pipeline's rate on SQLite when every call is a cache hit, beside the same pipeline making its
 * calls (the anchor, measured in the same run): N sw_entity_facts_v1 jobs drained by one worker; then N
 * identical jobs again with `--cache readwrite` — each served from the lake: no chat request (the
 * simulator's count is checked), no second copy of the bytes (the lake's folder count is checked).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/load-config.ts';
import { openHolocron } from '../src/holocron.ts';
import { startSimulator } from '../src/simulator/index.ts';
import { walkAttemptFolders } from '../src/reproducibility/lake-fsck.ts';

export interface CacheHitsResult {
  jobs: number;
  callsPerSecond: number;
  hitsPerSecond: number;
  hitCpuMicrosecondsPerJob: number;
}

export async function benchCacheHits(options: { jobs: number; concurrency: number; aroundHits?: (run: () => Promise<void>) => Promise<void> }): Promise<CacheHitsResult> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'holocron-bench-cache-'));
  const simulator = await startSimulator({ parallel: 128, maxQueue: 100_000 });
  const settings: Record<string, unknown> = {
    'database.url': path.join(directory, 'bench.sqlite'),
    'lake.root': path.join(directory, 'lake'),
    'ollama.baseUrl': simulator.url,
    'ollama.seed': 1,
    'worker.concurrency': options.concurrency,
    'cache.mode': 'readwrite',
    'log.level': 'warn',
  };
  const flags = Object.fromEntries(Object.entries(settings).map(([key, value]) => [key, { value, flag: 'bench' }]));
  const holocron = await openHolocron(loadConfig({ flags, environment: {}, cwd: directory }).config);
  const jobs = () =>
    Array.from({ length: options.jobs }, (_, index) => ({
      interrogation: 'sw_entity_facts_v1',
      entity_type: 'character',
      entity_id: `bench_${index}`,
      evidence: [`Bench entity ${index} was a human pilot from Corellia who flew with the Rebel Alliance in 0 ABY.`],
    }));
  try {
    await holocron.enqueue(jobs());
    let started = performance.now();
    const calls = await holocron.createWorker({ mode: 'drain' }).run();
    const callSeconds = (performance.now() - started) / 1000;
    if (calls.succeeded !== options.jobs) throw new Error(`cache bench: ${calls.succeeded}/${options.jobs} calls succeeded`);
    const chats = simulator.stats().requestsByRoute['POST /api/chat'] ?? 0;
    const folders = walkAttemptFolders(path.join(directory, 'lake')).folders.size;

    await holocron.enqueue(jobs());
    started = performance.now();
    const cpu = process.cpuUsage();
    let hits!: Awaited<ReturnType<ReturnType<typeof holocron.createWorker>['run']>>;
    const run = async () => {
      hits = await holocron.createWorker({ mode: 'drain' }).run();
    };
    await (options.aroundHits ? options.aroundHits(run) : run());
    const used = process.cpuUsage(cpu);
    const hitSeconds = (performance.now() - started) / 1000;
    if (hits.succeeded !== options.jobs) throw new Error(`cache bench: ${hits.succeeded}/${options.jobs} hits succeeded`);
    if ((simulator.stats().requestsByRoute['POST /api/chat'] ?? 0) !== chats) throw new Error('cache bench: a hit made a chat request');
    if (walkAttemptFolders(path.join(directory, 'lake')).folders.size !== folders) throw new Error('cache bench: a hit wrote a folder');
    const served = await holocron.database.db.selectFrom('runs').select((eb) => eb.fn.countAll<number>().as('count')).where('source_kind', '=', 'cache_hit').executeTakeFirstOrThrow();
    if (Number(served.count) !== options.jobs) throw new Error(`cache bench: ${served.count} attempts recorded as hits`);
    return { jobs: options.jobs, callsPerSecond: options.jobs / callSeconds, hitsPerSecond: options.jobs / hitSeconds, hitCpuMicrosecondsPerJob: (used.user + used.system) / options.jobs };
  } finally {
    await holocron.close();
    await simulator.close();
    fs.rmSync(directory, { recursive: true, force: true });
  }
}
