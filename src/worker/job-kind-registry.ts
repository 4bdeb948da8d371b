/**
 * Job kinds: what runs a job, by its `jobs.kind`. The worker dispatches each claimed job to its kind's
 * `handle`; a job of a kind the worker does not know fails at once, permanently (`unknown_job_kind`).
 *
 * A kind may also
 * - `validate` the input of jobs enqueued with it (at the door, before anything is written), and
 * - `onRecorded`: write its own rows atomically with the attempts. It runs INSIDE the transaction that
 *   records the outcomes, with the outcomes of its jobs that this transaction applied (fencing passed:
 *   never a refused late outcome; never an outcome recorded before, so a worker's retry of a commit
 *   does not run it twice). Whatever it writes commits or rolls back with the attempts. If it throws,
 *   nothing of that batch is written; the worker then records those attempts as failed
 *   (`record_hook_failed`, retried like any failure, without the hook), and the others as they were.
 *
 *   const documents: JobKind = {
 *     kind: 'document_stage',
 *     handle: async (job, context) => ({ kind: 'succeeded', record: {}, artifacts: [], output: … }),
 *     onRecorded: async (transaction, recorded) => { … insert the documents' rows, enqueue child jobs … },
 *   };
 */
import type { Kysely } from 'kysely';
import type { Database } from '../database/database.ts';
import type { ClaimedJob } from '../queue/claimed-job.ts';
import type { AttemptOutcome, RecordHookContext } from '../queue/record-outcomes.ts';
import type { HandlerResult, JobContext } from './job-handler.ts';

/** The kind of jobs that name none: the LLM interrogation pipeline. */
export const defaultJobKind = 'interrogation';

/** One attempt of a kind's job whose outcome was just applied, as `onRecorded` gets it. */
export interface RecordedAttempt {
  job: ClaimedJob;
  outcome: AttemptOutcome;
  /** The failure moved the job to DEADLETTER (it will not run again). */
  deadLettered: boolean;
}

export type InputValidation = { ok: true; value: unknown } | { ok: false; errors: string[] };

export interface JobKind {
  /** The `jobs.kind` value; lower-case letters, digits, `_`, `-`, `.`, `:`. */
  readonly kind: string;
  handle(job: ClaimedJob, context: JobContext): Promise<HandlerResult>;
  /**
   * Checks an enqueued job's input and returns the value to store (it may normalise it). Without it,
   * any JSON object is accepted. Not used for 'interrogation', whose requests the interrogation
   * registry validates (they carry entity and evidence fields of their own).
   */
  validate?(input: unknown): InputValidation;
  /** What goes in `jobs.interrogation_key` for this kind's jobs (default: the kind's name). */
  readonly key?: string;
  onRecorded?(transaction: Kysely<Database>, recorded: readonly RecordedAttempt[], context: RecordHookContext): Promise<void>;
}

export class JobKindError extends Error {
  override readonly name = 'JobKindError';
}

const kindPattern = /^[a-z][a-z0-9_.:-]*$/;

export class JobKindRegistry {
  private readonly kinds = new Map<string, JobKind>();

  constructor(kinds: readonly JobKind[] = []) {
    for (const kind of kinds) this.register(kind);
  }

  register(kind: JobKind): this {
    if (!kindPattern.test(kind.kind)) throw new JobKindError(`A job kind's name must match ${kindPattern}: "${kind.kind}"`);
    if (this.kinds.has(kind.kind)) throw new JobKindError(`The job kind "${kind.kind}" is registered twice.`);
    this.kinds.set(kind.kind, kind);
    return this;
  }

  get(kind: string): JobKind | undefined {
    return this.kinds.get(kind);
  }

  has(kind: string): boolean {
    return this.kinds.has(kind);
  }

  names(): string[] {
    return [...this.kinds.keys()].sort();
  }

  /** Whether any kind writes rows when its outcomes are recorded (the worker skips the hook otherwise). */
  get hasRecordHooks(): boolean {
    for (const kind of this.kinds.values()) if (kind.onRecorded) return true;
    return false;
  }

  /** A registry with these kinds added (this one is left as it is). */
  with(kinds: readonly JobKind[]): JobKindRegistry {
    return new JobKindRegistry([...this.kinds.values(), ...kinds]);
  }
}

/**
 * The result for a job of a kind this worker does not know: permanent, so the job dead-letters at
 * once instead of burning its attempts on every worker in turn.
 */
export function unknownKindResult(job: ClaimedJob, registry: JobKindRegistry): HandlerResult {
  return {
    kind: 'failed',
    record: {},
    artifacts: [],
    error: {
      code: 'unknown_job_kind',
      message: `job ${job.id} is of kind "${job.kind}", which this worker does not run (it knows: ${registry.names().join(', ') || 'none'})`,
    },
    retryable: false,
  };
}
