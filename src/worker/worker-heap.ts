/**
 * How far V8 lets a worker process's heap grow past what survived its last full collection. A worker's
 * live heap is small and steady (~30 MB at 64 in flight: the jobs in hand, the queue's statements, the
 * interrogations), but it allocates fast — every job's request, streamed answer, validation and lake
 * files are garbage a moment later — and at that rate V8's own heuristic lets the old generation grow to
 * up to four times the live size before collecting it, and keeps the pages: measured with the built CLI
 * over 20,000 jobs against the simulator at zero latency (2026-12-02, load 3–7), the main heap settled at
 * 128 MB committed for ~30 MB live, RSS 190–259 MB after warm-up. Growth capped at +50 %, the same drain
 * stayed at 167–196 MB, at the same throughput within the machine's noise (200 vs 196, 497 vs 526 jobs/s
 * in paired runs); full collections come more often, each over the same small live set.
 *
 * `--heap-growing-percent` is read at every full collection, so setting it when the worker starts takes
 * effect. A setting the user gave (NODE_OPTIONS or node's own flags) is left alone.
 */
import v8 from 'node:v8';

export const workerHeapGrowingPercent = 50;

export function limitWorkerHeapGrowth(percent = workerHeapGrowingPercent): void {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  if (given.some((flag) => /^--heap[-_]growing[-_]percent/.test(flag))) return;
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}
