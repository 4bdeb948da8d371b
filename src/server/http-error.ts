/**
 * An HTTP answer a route decides on (bad input, not found, refused). Routes throw it; the edge
 * (`error-edge.ts`) turns it, like every other error, into `{ error: { code, message } }` once.
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 500 | 503,
    /** snake_case, stable for scripts: `invalid_parameter`, `job_not_found`, `csrf_refused`, … */
    readonly code: string,
    message: string,
    /** Extra, code-specific detail (e.g. every problem of a refused enqueue). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** A query parameter or body field with a bad value: 400, naming the field. */
export function invalidParameter(field: string, message: string): HttpError {
  return new HttpError(400, 'invalid_parameter', `${field}: ${message}`, { field });
}
