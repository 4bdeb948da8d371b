/**
 * Runs a worker in this process until the queue is drained. Items are scored by the worker as their
 * attempts are recorded (the interrogation kind's record hook — any worker, in any process, does the
 * same); this only reports progress, and at the end scores whatever a worker without the hook left.
 */
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Holocron } from '../../holocron.ts';
import { scoreFinishedEvalItems, type ScoringProgress } from './score-finished-items.ts';

/** Scores a queued run's finished items now (a repair: workers do it as they record) and completes it when none is left. */
export async function scoreEvalRun(holocron: Holocron, runId: string): Promise<ScoringProgress> {
  const { database } = holocron;
  return database.adapter.writeTransaction(database.db, (transaction) =>
    scoreFinishedEvalItems(transaction, runId, {
      adapter: database.adapter,
      registry: holocron.registry,
      lakeRoot: holocron.lake.location,
      jobs: { evidenceRoot: holocron.config.evidence.root, defaults: holocron.config.queue },
    }),
  );
}

/** Where a run stands, read-only. */
export async function evalRunProgress(holocron: Holocron, runId: string): Promise<ScoringProgress> {
  const { db } = holocron.database;
  const run = await db.selectFrom('eval_runs').select(['item_count']).where('id', '=', runId).executeTakeFirst();
  const pending = await db.selectFrom('eval_items').select(sql<number>`count(*)`.as('count')).where('run_id', '=', runId).where('status', '=', 'pending').executeTakeFirstOrThrow();
  return { runId, scored: 0, pending: Number(pending.count), total: Number(run?.item_count ?? 0), completed: null };
}

export interface DrainEvaluationOptions {
  logger?: Logger;
  onProgress?: (progress: ScoringProgress) => void;
}

export async function drainEvaluation(holocron: Holocron, runId: string, options: DrainEvaluationOptions = {}): Promise<ScoringProgress> {
  let reading: Promise<void> | null = null;
  const worker = holocron.createWorker({
    mode: 'drain',
    logger: options.logger,
    onRecorded: () => {
      if (!options.onProgress || reading) return;
      reading = evalRunProgress(holocron, runId)
        .then((progress) => options.onProgress?.(progress))
        .catch((error) => options.logger?.warn({ err: error }, 'could not read the run’s progress'))
        .finally(() => (reading = null));
    },
  });
  await worker.run();
  await reading;
  const final = await scoreEvalRun(holocron, runId);
  options.onProgress?.(final);
  return final;
}
