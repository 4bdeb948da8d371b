/**
 * What the interrogation job kind does for queued evaluations inside the transaction that records its
 * attempts: the items whose jobs just finished (succeeded, or dead-lettered) are scored with the run's
 * recorded metrics (an LLM judge's job enqueued for each, when the run has one), the verdicts of judge
 * jobs that just finished are stored, and the run is completed with its last item or judgement — by
 * whichever worker records it, in whatever process. Composed in src/holocron.ts, beside the documents' hook.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../database/database.ts';
import type { DialectAdapter } from '../../database/dialects/dialect-adapter.ts';
import type { AttemptOutcome } from '../../queue/record-outcomes.ts';
import type { ClaimedJob } from '../../queue/claimed-job.ts';
import type { InterrogationRegistry } from '../../interrogations/interrogation-registry.ts';
import { judgeJobLabelPrefix, recordJudgeVerdicts } from './judge-jobs.ts';
import { completeEvalRunIfDone, scoreFinishedEvalItems } from './score-finished-items.ts';
import { evalJobLabelPrefix } from './start-queued-evaluation.ts';

export type EvaluationRecordHook = (
  transaction: Kysely<Database>,
  recorded: readonly { job: ClaimedJob; outcome: AttemptOutcome; deadLettered: boolean }[],
  context: { adapter: DialectAdapter; now: number },
) => Promise<void>;

export interface EvaluationHookSettings {
  registry: InterrogationRegistry;
  lakeRoot: string;
  evidenceRoot: string;
  defaults: { priority: number; maxAttempts: number };
}

export function createEvaluationRecordHook(settings: EvaluationHookSettings): EvaluationRecordHook {
  return async (transaction, recorded, { adapter }) => {
    const jobsByRun = new Map<string, number[]>();
    const judged = new Set<string>();
    for (const { job, outcome, deadLettered } of recorded) {
      if (outcome.kind !== 'succeeded' && !deadLettered) continue; // it runs again: nothing to score yet
      if (job.runLabel?.startsWith(evalJobLabelPrefix)) {
        const runId = job.runLabel.slice(evalJobLabelPrefix.length);
        const jobs = jobsByRun.get(runId) ?? [];
        if (jobs.length === 0) jobsByRun.set(runId, jobs);
        jobs.push(job.id);
      } else if (job.runLabel?.startsWith(judgeJobLabelPrefix)) judged.add(job.runLabel.slice(judgeJobLabelPrefix.length));
    }
    if (jobsByRun.size === 0 && judged.size === 0) return;
    // Take the runs' row locks in a fixed order, so two transactions never wait for each other in a cycle.
    const runIds = [...new Set([...jobsByRun.keys(), ...judged])].sort();
    for (const runId of runIds) await transaction.updateTable('eval_runs').set({ updated_at: sql`updated_at` }).where('id', '=', runId).execute();
    if (judged.size > 0) await recordJudgeVerdicts(transaction, adapter, recorded, settings.lakeRoot);
    const context = { adapter, registry: settings.registry, lakeRoot: settings.lakeRoot, jobs: { evidenceRoot: settings.evidenceRoot, defaults: settings.defaults } };
    for (const runId of runIds) {
      const jobIds = jobsByRun.get(runId);
      if (jobIds) await scoreFinishedEvalItems(transaction, runId, context, { jobIds });
      else await completeEvalRunIfDone(transaction, runId);
    }
  };
}
