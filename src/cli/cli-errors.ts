/**
 * Errors are mapped to messages and exit codes once, here at the edge. A user's mistake (bad flag
 * value, invalid job, unknown job id) exits 2 with a one-line reason; anything else exits 1.
 */
import { CommanderError } from 'commander';
import { ConfigError } from '../config/load-config.ts';
import { DatabaseConnectionError, DatabaseUrlError } from '../database/open-database.ts';
import { MigrationError, SchemaNotCurrentError } from '../database/migrate.ts';
import { EvaluationInputError, EvaluationNotFoundError } from '../evaluations/store/evaluation-record.ts';
import { MetricDefinitionError } from '../evaluations/metrics/metric.ts';
import { EvidencePathError } from '../evidence/resolve-evidence-path.ts';
import { InterrogationFolderError } from '../interrogations/load-interrogations-folder.ts';
import { UnknownInterrogationError } from '../interrogations/interrogation-registry.ts';
import { JobRequestError } from '../pipeline/job-request.ts';
import { JobNotFoundError, JobStateError } from '../queue/queue-errors.ts';
import { ServeRefusedError } from '../server/start-server.ts';
import { ReproducibilityError } from '../reproducibility/reproducibility-error.ts';

/** A problem with what the user asked for, reported without a stack trace. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * The command ran and reported its result, which is a failure (fsck found problems, a replay's answer
 * was refused): exit with this code, printing the message only when there is one.
 */
export class CommandFailedError extends Error {
  override readonly name = 'CommandFailedError';
  constructor(
    readonly exitCode: number,
    message = '',
  ) {
    super(message);
  }
}

const userErrors = [
  UsageError,
  ConfigError,
  DatabaseUrlError,
  SchemaNotCurrentError,
  EvidencePathError,
  InterrogationFolderError,
  UnknownInterrogationError,
  JobRequestError,
  JobNotFoundError,
  JobStateError,
  EvaluationInputError,
  EvaluationNotFoundError,
  MetricDefinitionError,
  ServeRefusedError,
  ReproducibilityError,
];

export function reportError(error: unknown, verbose: boolean): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  if (error instanceof CommandFailedError) {
    if (error.message) process.stderr.write(`holocron: ${error.message}\n`);
    return error.exitCode;
  }
  if (userErrors.some((type) => error instanceof type)) {
    process.stderr.write(`holocron: ${(error as Error).message}\n`);
    return 2;
  }
  if (error instanceof MigrationError || error instanceof DatabaseConnectionError) {
    process.stderr.write(`holocron: ${error.message}\n`);
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`holocron: ${message}\n`);
  if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  else if (isConnectionError(error)) process.stderr.write('holocron: is the database reachable? (--db, HOLOCRON_DB)\n');
  return 1;
}

function isConnectionError(error: unknown): boolean {
  // An enqueue that the database failed carries the database's error as its cause.
  const carrier = error as { code?: string; cause?: { code?: string } } | null;
  const code = carrier?.code ?? carrier?.cause?.code;
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === '3D000' || code === '28P01';
}
