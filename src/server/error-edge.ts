/**
 * Errors become HTTP answers once, here: every route throws (our HttpError, or the library's own
 * errors), and `app.onError` calls `errorResponse`. The body is always `{ error: { code, message } }`
 * (plus code-specific details); a status says who is at fault: 400 bad input (naming the field),
 * 401/403 auth, 404 not found, 409 conflict with the job's state or stored bytes, 503 the database
 * is not ready or a query ran past its statement timeout, 500 anything else (its message is logged,
 * not sent).
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { SchemaNotCurrentError } from '../database/migrate.ts';
import { EvaluationInputError, EvaluationNotFoundError } from '../evaluations/store/evaluation-record.ts';
import { QueryError } from '../evaluations/query/query-error.ts';
import { EvidencePathError } from '../evidence/resolve-evidence-path.ts';
import { UnknownInterrogationError } from '../interrogations/interrogation-registry.ts';
import { JobRequestError } from '../pipeline/job-request.ts';
import { JobNotFoundError, JobStateError } from '../queue/queue-errors.ts';
import { LakePathError } from '../lake/write-attempt-folder.ts';
import { LakeIntegrityError } from '../lake/read-verified-artifact.ts';
import { HttpError } from './http-error.ts';

export interface ErrorBody {
  error: { code: string; message: string } & Record<string, unknown>;
}

export interface MappedError {
  status: number;
  body: ErrorBody;
}

export function mapError(error: unknown): MappedError {
  const answer = (status: number, code: string, message: string, details: Record<string, unknown> = {}): MappedError => ({
    status,
    body: { error: { code, message, ...details } },
  });
  if (error instanceof HttpError) return answer(error.status, error.code, error.message, error.details);
  if (error instanceof JobRequestError) {
    return answer(400, 'invalid_job', error.message, {
      problems: error.problems.map((problem) => ({ where: problem.where, line: problem.line ?? null, field: problem.field, message: problem.message })),
    });
  }
  if (error instanceof JobNotFoundError) return answer(404, 'job_not_found', error.message, { jobId: error.jobId });
  if (error instanceof JobStateError) return answer(409, 'job_state_conflict', error.message, { jobId: error.jobId, status: error.status });
  if (error instanceof EvaluationNotFoundError) return answer(404, 'evaluation_not_found', error.message);
  if (error instanceof EvaluationInputError) return answer(400, 'invalid_evaluation_request', error.message);
  if (error instanceof QueryError) return answer(400, 'invalid_query', error.message, { column: error.column });
  if (error instanceof UnknownInterrogationError) return answer(400, 'unknown_interrogation', error.message);
  if (error instanceof EvidencePathError) return answer(400, 'invalid_evidence_path', error.message);
  if (error instanceof LakeIntegrityError) {
    return answer(409, 'integrity_error', error.message, { lakePath: error.lakePath, expectedSha256: error.expectedSha256, actualSha256: error.actualSha256 });
  }
  if (error instanceof LakePathError) return answer(403, 'lake_path_refused', error.message);
  if (isMissingFile(error)) return answer(404, 'file_missing', 'The file is recorded but no longer in the lake (deleted or the lake moved).');
  if (error instanceof SchemaNotCurrentError) return answer(503, 'schema_not_current', error.message);
  if (isStatementTimeout(error)) {
    return answer(503, 'query_timeout', 'The query ran past the statement timeout; narrow the request (filters, a smaller limit).');
  }
  if (error instanceof HTTPException) {
    // Hono's own (e.g. a body over the size limit).
    return answer(error.status, error.status === 413 ? 'payload_too_large' : 'http_error', error.message || 'Request refused.');
  }
  return answer(500, 'internal_error', 'Internal server error (see the server log).');
}

function isMissingFile(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ENOENT';
}

/** PostgreSQL's `query_canceled` (SQLSTATE 57014), which `statement_timeout` raises. */
function isStatementTimeout(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '57014';
}

export function errorResponse(error: unknown, context: Context, log?: (error: unknown) => void): Response {
  const mapped = mapError(error);
  if (mapped.status >= 500 && log) log(error);
  return context.json(mapped.body, mapped.status as 500);
}
