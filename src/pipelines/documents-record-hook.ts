/**
 * What the interrogation job kind does inside the transaction that records its attempts: a document
 * row for every attempt that produced an answer, then — for a pipeline's jobs that succeeded — the
 * hand-off to the next stages. Composed in src/holocron.ts.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../database/database.ts';
import type { DialectAdapter } from '../database/dialects/dialect-adapter.ts';
import { recordAttemptDocuments } from '../documents/record-attempt-documents.ts';
import type { AttemptOutcome } from '../queue/record-outcomes.ts';
import { describePipelineJobs, handOffChildren } from './hand-off-children.ts';
import type { TaskSettings } from './pipeline-tasks.ts';

export type DocumentsRecordHook = (
  transaction: Kysely<Database>,
  recorded: readonly { outcome: AttemptOutcome }[],
  context: { adapter: DialectAdapter; now: number },
) => Promise<void>;

export function createDocumentsRecordHook(settings: TaskSettings): DocumentsRecordHook {
  return async (transaction, recorded, { adapter, now }) => {
    const outcomes = recorded.map((entry) => entry.outcome);
    const documents = await recordAttemptDocuments(transaction, adapter, outcomes, {
      registry: settings.registry,
      describe: describePipelineJobs,
      now,
    });
    await handOffChildren(transaction, adapter, documents, outcomes, settings, now);
  };
}
