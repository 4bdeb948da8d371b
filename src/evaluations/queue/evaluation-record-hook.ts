/**
 * What the interrogation job kind does for queued evaluations inside the transaction that records its
 * attempts: the items whose jobs just finished (succeeded, or dead-lettered) are scored with the run's
 * recorded metrics, and the run is completed with its last item — by whichever worker records it, in
 * whatever process. Composed in src/holocron.ts, beside the documents' hook.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../database/database.ts';
import type { DialectAdapter } from '../../database/dialects/dialect-adapter.ts';
import type { AttemptOutcome } from '../../queue/record-outcomes.ts';
import type { ClaimedJob } from '../../queue/claimed-job.ts';
import type { InterrogationRegistry } from '../../interrogations/interrogation-registry.ts';
import { scoreFinishedEvalItems } from './score-finished-items.ts';
import { evalJobLabelPrefix } from './start-queued-evaluation.ts';

export type EvaluationRecordHook = (
  transaction: Kysely<Database>,
  recorded: readonly { job: ClaimedJob; outcome: AttemptOutcome; deadLettered: boolean }[],
  context: { adapter: DialectAdapter; now: number },
) => Promise<void>;

export function createEvaluationRecordHook(settings: { registry: InterrogationRegistry; lakeRoot: string }): EvaluationRecordHook {
  return async (transaction, recorded, { adapter }) => {
    const jobsByRun = new Map<string, number[]>();
    for (const { job, outcome, deadLettered } of recorded) {
      if (!job.runLabel?.startsWith(evalJobLabelPrefix)) continue;
      if (outcome.kind !== 'succeeded' && !deadLettered) continue; // it runs again: nothing to score yet
      const runId = job.runLabel.slice(evalJobLabelPrefix.length);
      const jobs = jobsByRun.get(runId) ?? [];
      if (jobs.length === 0) jobsByRun.set(runId, jobs);
      jobs.push(job.id);
    }
    // Runs in a fixed order, so two transactions never wait for each other's run locks in a cycle.
    for (const runId of [...jobsByRun.keys()].sort()) {
      await scoreFinishedEvalItems(transaction, runId, { adapter, registry: settings.registry, lakeRoot: settings.lakeRoot }, { jobIds: jobsByRun.get(runId)! });
    }
  };
}
