/**
 * What the interrogation job kind writes to the failure ledger inside the transaction that records its
 * attempts: one row per problem of each answered attempt (its `outputFailures` metrics, set by the
 * pipeline). Composed in src/holocron.ts beside the documents hook.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../database/database.ts';
import type { DialectAdapter } from '../database/dialects/dialect-adapter.ts';
import type { ClaimedJob } from '../queue/claimed-job.ts';
import type { AttemptOutcome } from '../queue/record-outcomes.ts';
import { failureKinds, type FailureKind, type NewOutputFailureRow } from './failures-tables.ts';
import { insertOutputFailures } from './insert-output-failures.ts';

export type FailuresRecordHook = (
  transaction: Kysely<Database>,
  recorded: readonly { job: ClaimedJob; outcome: AttemptOutcome }[],
  context: { adapter: DialectAdapter; now: number },
) => Promise<void>;

/** Messages are kept whole up to this length (a validation line is short; a non-JSON answer's excerpt is cut). */
const maximumMessageLength = 2_000;

export function createFailuresRecordHook(): FailuresRecordHook {
  return async (transaction, recorded, { adapter, now }) => {
    const rows: NewOutputFailureRow[] = [];
    for (const { job, outcome } of recorded) {
      if (outcome.kind !== 'failed') continue;
      const failures = (outcome.record.metrics as { outputFailures?: unknown } | null | undefined)?.outputFailures;
      if (!Array.isArray(failures)) continue;
      for (const failure of failures as { kind?: unknown; field?: unknown; keyword?: unknown; message?: unknown }[]) {
        const kind = failureKinds.includes(failure.kind as FailureKind) ? (failure.kind as FailureKind) : 'schema';
        rows.push({
          run_id: outcome.held.runId,
          job_id: outcome.held.jobId,
          interrogation_key: job.interrogationKey,
          model_name: outcome.record.modelName ?? job.modelHint ?? null,
          endpoint_id: outcome.record.endpointId ?? null,
          run_label: job.runLabel,
          kind,
          field: typeof failure.field === 'string' && failure.field !== '' ? failure.field : '/',
          keyword: typeof failure.keyword === 'string' ? failure.keyword : null,
          message: String(failure.message ?? '').slice(0, maximumMessageLength),
          created_at: now,
        });
      }
    }
    if (rows.length > 0) await insertOutputFailures(transaction, adapter, rows);
  };
}
