/**
 * The whole schema as one type: every area's tables, gathered. Each area types its own tables in
 * `src/<area>/<area>-tables.ts` (one `<Area>Tables` interface) and lists its migrations in
 * `src/<area>/<area>-migrations.ts`; adding an area is one `extends` here and one line in migrate.ts.
 *
 * Terminology (the seeds use "run" for three things; we don't):
 * - job: one queued unit of work — of a kind (an interrogation over some input and evidence, …) (`jobs`).
 * - attempt: one execution of a job; stored as a row of `runs` (the seed's `llm.run`). A job's attempt
 *   in hand is `jobs.current_run_id`; it doubles as the fencing token of the lease.
 * - lease: the time a worker may hold a claimed job (`lease_expires_at`); the worker renews it while the
 *   LLM call runs. An expired lease makes the job claimable again and its attempt is recorded ABANDONED.
 * - artifact: one file of an attempt in the lake (request, response, evidence, prompt, output, error),
 *   with its sha256 and size; the lake holds the bytes, SQL holds the pointers.
 * - run label: an operator's tag that groups jobs into one experiment.
 *
 * All times are integers: milliseconds since the Unix epoch, taken from the database's clock so that
 * workers on many machines agree on leases. JSON columns read as JSON text on both dialects.
 */
import type { DocumentTables } from '../documents/documents-tables.ts';
import type { EvaluationTables } from '../evaluations/evaluations-tables.ts';
import type { FailureTables } from '../failures/failures-tables.ts';
import type { PipelineTables } from '../pipelines/pipelines-tables.ts';
import type { QueueTables } from '../queue/queue-tables.ts';
import type { ReproducibilityTables } from '../reproducibility/reproducibility-tables.ts';

export interface Database extends QueueTables, DocumentTables, EvaluationTables, PipelineTables, ReproducibilityTables, FailureTables {}

// The queue's row types, re-exported where they were first defined (older imports keep working).
export * from '../queue/queue-tables.ts';
