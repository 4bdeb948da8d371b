/**
 * Runs a worker in this process until a queued evaluation's jobs are done, scoring items as their
 * attempts are recorded, then scores whatever is left and reports where the run stands.
 */
import type { Logger } from 'pino';
import type { Holocron } from '../../holocron.ts';
import { evalRunsOfJobs, scoreFinishedEvalItems, type ScoringProgress } from './score-finished-items.ts';

export async function scoreEvalRun(holocron: Holocron, runId: string): Promise<ScoringProgress> {
  const { database } = holocron;
  return database.adapter.writeTransaction(database.db, (transaction) =>
    scoreFinishedEvalItems(transaction, runId, { adapter: database.adapter, registry: holocron.registry, lakeRoot: holocron.lake.location }),
  );
}

export interface DrainEvaluationOptions {
  logger?: Logger;
  onProgress?: (progress: ScoringProgress) => void;
}

export async function drainEvaluation(holocron: Holocron, runId: string, options: DrainEvaluationOptions = {}): Promise<ScoringProgress> {
  const scoring: Promise<unknown>[] = [];
  const worker = holocron.createWorker({
    mode: 'drain',
    logger: options.logger,
    onRecorded: (outcomes) => {
      // After the attempts are committed: score the items they finished. Failures are retried at the end.
      const task = (async () => {
        const runIds = await evalRunsOfJobs(holocron.database.db, holocron.database.adapter, outcomes.map((outcome) => outcome.held.jobId));
        for (const id of runIds) {
          const progress = await scoreEvalRun(holocron, id);
          if (id === runId) options.onProgress?.(progress);
        }
      })();
      scoring.push(task.catch((error) => options.logger?.warn({ err: error }, 'scoring failed; it is retried at the end')));
    },
  });
  await worker.run();
  await Promise.all(scoring);
  const final = await scoreEvalRun(holocron, runId);
  options.onProgress?.(final);
  return final;
}
