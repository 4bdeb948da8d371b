/** What a worker did in one `work` run: `work --json`. */
import type { WorkerSummary } from '../worker/worker.ts';

export interface WorkerRunSummary extends WorkerSummary {
  /** Wall-clock seconds the run took. */
  seconds: number;
}

export function toWorkerRunSummary(summary: WorkerSummary, seconds: number): WorkerRunSummary {
  return { ...summary, seconds };
}
