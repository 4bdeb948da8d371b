/**
 * The OpenAPI 3.1 description of the HTTP API (`GET /openapi.json`), written by hand beside the
 * routes; test/server-openapi.test.ts checks it names every registered route and nothing else.
 */
import { maxBulkIds, maxEnqueuePerRequest } from './routes/jobs-routes.ts';
import { defaultLimit, maxLimit } from './query-params.ts';

type Schema = Record<string, unknown>;

interface Operation {
  method: 'get' | 'post' | 'delete';
  /** Hono's form: `/api/jobs/:id`. */
  path: string;
  summary: string;
  tag: string;
  query?: Record<string, Schema & { description: string }>;
  body?: Schema;
  response: Schema;
  /** Answers besides 200 (and the errors every route may give). */
  status?: number;
  acts?: boolean;
  public?: boolean;
  contentType?: string;
}

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const string = (description: string): Schema & { description: string } => ({ type: 'string', description });
const integer = (description: string): Schema & { description: string } => ({ type: 'integer', description });
const page = (item: Schema): Schema => ({
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: { items: { type: 'array', items: item }, nextCursor: { type: ['string', 'null'], description: 'pass as ?cursor= for the next page; null: no more' } },
});
const listQuery = {
  limit: { type: 'integer', minimum: 1, maximum: maxLimit, default: defaultLimit, description: `page size (at most ${maxLimit})` },
  cursor: string('the previous page\'s nextCursor'),
};
const loose = (description: string): Schema => ({ type: 'object', description, additionalProperties: true });

export const operations: readonly Operation[] = [
  { method: 'get', path: '/api/health', tag: 'server', summary: 'Is the server up, the database reachable and its schema current (503 when not); no token needed', response: ref('Health'), public: true },
  { method: 'get', path: '/api/session', tag: 'server', summary: 'What this request may do (access: write, read or null) and whether a token is needed', response: ref('Session'), public: true },
  { method: 'post', path: '/api/session', tag: 'server', summary: 'Sign in: check a token and set it as an HttpOnly SameSite=Strict cookie (204)', body: { type: 'object', required: ['token'], properties: { token: { type: 'string' } } }, response: { type: 'null' }, status: 204, public: true, acts: true },
  { method: 'delete', path: '/api/session', tag: 'server', summary: 'Sign out: clear the cookie (204)', response: { type: 'null' }, status: 204, public: true, acts: true },
  { method: 'get', path: '/api/stats', tag: 'queue', summary: 'Queue statistics as `jobs stats --json`, with dead letters by error code and the endpoints', query: { label: string('only this run label') }, response: ref('OverviewStats') },
  {
    method: 'get', path: '/api/stats/timeseries', tag: 'queue', summary: 'Attempts over time: throughput by outcome, busy answers, duration p50/p95 per bucket',
    query: { minutes: integer('how far back (default 60)'), bucketSeconds: integer('bucket size (default 60)') }, response: ref('Timeseries'),
  },
  {
    method: 'get', path: '/api/jobs', tag: 'jobs', summary: 'Jobs, newest first, filtered; filters other than label walk ids in bounded windows, so a page may be short with a cursor to continue',
    query: {
      status: { type: 'string', enum: ['NEW', 'RUNNING', 'RETRY', 'SUCCEEDED', 'DEADLETTER'], description: 'only this status' },
      interrogation: string('only this interrogation'),
      label: string('only this run label'),
      model: string('the model the job asked for or any attempt ran on'),
      error: string('the last error code'),
      q: string('text inside the input (case-insensitive)'),
      ...listQuery,
    },
    response: page(ref('Job')),
  },
  {
    method: 'post', path: '/api/jobs', tag: 'jobs', summary: `Enqueue jobs with the CLI's validation (all or none; at most ${maxEnqueuePerRequest})`, acts: true, status: 201,
    body: { oneOf: [ref('JobRequest'), { type: 'array', items: ref('JobRequest') }, { type: 'object', required: ['jobs'], properties: { jobs: { type: 'array', items: ref('JobRequest') }, interrogation: { type: 'string' } } }] },
    response: ref('EnqueueResult'),
  },
  { method: 'get', path: '/api/jobs/:id', tag: 'jobs', summary: 'One job with its attempts and their lake files, as `jobs show --json`', response: ref('JobDetails') },
  { method: 'post', path: '/api/jobs/:id/retry', tag: 'jobs', summary: 'Run a DEADLETTER job again with fresh attempts, or a RETRY job now (409 otherwise)', acts: true, response: ref('RetryResult') },
  { method: 'post', path: '/api/jobs/:id/cancel', tag: 'jobs', summary: 'Cancel a NEW or RETRY job: it becomes DEADLETTER with error code cancelled (409 for RUNNING, SUCCEEDED, DEADLETTER)', acts: true, response: ref('CancelResult') },
  {
    method: 'post', path: '/api/jobs/bulk', tag: 'jobs', summary: `retry, redrive or cancel up to ${maxBulkIds} jobs`, acts: true,
    body: { type: 'object', required: ['action', 'ids'], properties: { action: { enum: ['retry', 'redrive', 'cancel'] }, ids: { type: 'array', items: { type: 'integer' }, maxItems: maxBulkIds } } },
    response: ref('BulkResult'),
  },
  {
    method: 'post', path: '/api/dead-letters/redrive', tag: 'jobs', summary: 'Move dead letters back to the queue with fresh attempts (all, or by error code, interrogation, label)', acts: true,
    body: { type: 'object', properties: { errorCode: { type: 'string' }, interrogation: { type: 'string' }, label: { type: 'string' } }, additionalProperties: false },
    response: { type: 'object', properties: { redriven: { type: 'integer' }, jobIds: { type: 'array', items: { type: 'integer' } } } },
  },
  {
    method: 'get', path: '/api/jobs/:id/attempts/:attemptId/files/:name', tag: 'jobs', summary: "An attempt's lake file, sent only after its sha256 matches the recorded one (409 integrity_error)",
    query: { download: { type: 'boolean', description: 'as an attachment' } }, response: { type: 'string', format: 'binary' }, contentType: 'application/octet-stream',
  },
  {
    method: 'get', path: '/api/documents', tag: 'documents', summary: 'Documents, newest first (q: a doc_id or task id; stale=true: the stale ones, with why)',
    query: { q: string('a doc_id or a task id'), stale: { type: 'boolean', description: 'only stale documents (one page)' }, label: string('run label'), stage: string('stage'), status: string('ok or an error status'), model: string('model id'), interrogation: string('template (interrogation) id'), ...listQuery },
    response: page(ref('Document')),
  },
  { method: 'get', path: '/api/documents/:docId', tag: 'documents', summary: 'One document, with whether it is stale and why', response: ref('Document') },
  { method: 'get', path: '/api/documents/:docId/lineage', tag: 'documents', summary: 'Ancestors and descendants (as `docs lineage --json`) and the same as a graph', response: ref('Lineage') },
  { method: 'get', path: '/api/evaluations/projects', tag: 'evaluations', summary: 'Evaluation projects with their run counts', response: { type: 'array', items: loose('a project') } },
  {
    method: 'get', path: '/api/evaluations/runs', tag: 'evaluations', summary: 'Evaluation runs, searched with the query language (as `runs search`)',
    query: { q: string('the query, e.g. "project:demo model:a f1 >= 0.9 last week"'), project: string('project'), dataset: string('dataset'), model: string('model'), status: string('run status'), interrogation: string('interrogation'), sort: string('created_at, name, success_rate, duration_ms, item_count, status, model'), order: { type: 'string', enum: ['asc', 'desc'], description: 'order' }, ...listQuery },
    response: { allOf: [page(loose('a run as `runs list --json`')), { type: 'object', properties: { total: { type: 'integer' }, explanation: { type: ['string', 'null'] } } }] },
  },
  { method: 'get', path: '/api/evaluations/runs/:id', tag: 'evaluations', summary: 'One run (id or unique prefix): aggregates with histograms, worst items (as `runs show --json`)', query: { worst: integer('how many worst items (default 5)'), metric: string('rank them by this metric') }, response: loose('as `runs show --json`') },
  { method: 'get', path: '/api/evaluations/runs/:id/items', tag: 'evaluations', summary: "A run's items filtered with the query language (as `runs items --where`)", query: { where: string("e.g. 'exact_match < 1 AND field:facts.birth_year != expected'"), ...listQuery }, response: loose('{ run, total, items, nextCursor, explanation }') },
  {
    method: 'get', path: '/api/evaluations/compare', tag: 'evaluations', summary: 'Compare runs item by item: deltas with 95% intervals, regressed and improved items (as `runs compare --json`)',
    query: { runs: string('two or more run ids or prefixes, comma-separated'), baseline: string('the run compared against (default: the first)'), metric: string('primary metric'), minDelta: { type: 'number', description: 'a regression must exceed this' }, seed: integer('bootstrap seed'), items: integer('items to list') },
    response: loose('as `runs compare --json`'),
  },
  { method: 'get', path: '/api/events', tag: 'server', summary: 'Server-sent events: `stats` on every change, `job` for each watched job (?jobs=1,2,3)', query: { jobs: string('job ids to watch, comma-separated') }, response: { type: 'string' }, contentType: 'text/event-stream' },
  { method: 'get', path: '/metrics', tag: 'server', summary: 'Prometheus metrics: jobs by status, dead letters, ready/waiting, attempts and busy answers by endpoint, tokens, attempt durations, HTTP requests', response: { type: 'string' }, contentType: 'text/plain' },
  { method: 'get', path: '/openapi.json', tag: 'server', summary: 'This document', response: { type: 'object' }, public: true },
];

const errorSchema: Schema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string', description: 'snake_case, stable' }, message: { type: 'string' }, field: { type: 'string', description: 'for invalid_parameter' }, problems: { type: 'array', items: { type: 'object' } } },
      additionalProperties: true,
    },
  },
};

const schemas: Record<string, Schema> = {
  Error: errorSchema,
  Health: { type: 'object', properties: { ok: { type: 'boolean' }, version: { type: 'string' }, database: { type: 'object' }, lake: { type: 'object' } } },
  Session: { type: 'object', properties: { tokenRequired: { type: 'boolean' }, access: { enum: ['write', 'read', null] }, canAct: { type: 'boolean' } } },
  Job: {
    type: 'object',
    description: 'as `jobs list --json` (src/read-models/job.ts)',
    properties: Object.fromEntries<Schema>([
      ...['id', 'priority', 'attemptCount', 'maxAttempts', 'availableAt', 'createdAt', 'updatedAt'].map((name): [string, Schema] => [name, { type: 'integer' }]),
      ...['kind', 'interrogationKey', 'status'].map((name): [string, Schema] => [name, { type: 'string' }]),
      ...['parentJobId', 'lockedAt', 'leaseExpiresAt', 'completedAt'].map((name): [string, Schema] => [name, { type: ['integer', 'null'] }]),
      ...['modelHint', 'dedupeKey', 'runLabel', 'lockedBy', 'currentAttemptId', 'resultAttemptId', 'lastError', 'lastErrorCode'].map((name): [string, Schema] => [name, { type: ['string', 'null'] }]),
      ['input', {}],
      ['evidenceRefs', { type: ['array', 'null'] }],
    ]),
  },
  JobRequest: loose('a job as a JSONL line of `holocron enqueue`: interrogation or kind, input or entity_*, evidence, priority, max_attempts, run_label, model, dedupe_key, parent_job_id'),
  JobDetails: { type: 'object', properties: { job: ref('Job'), attempts: { type: 'array', items: loose('an attempt with its artifacts (type, lakePath, sha256, bytes)') } } },
  OverviewStats: loose('`jobs stats --json` + deadLettersByErrorCode + endpoints'),
  Timeseries: { type: 'object', properties: { since: { type: 'integer' }, until: { type: 'integer' }, bucketMs: { type: 'integer' }, buckets: { type: 'array', items: loose('{ start, succeeded, failed, abandoned, deferred, deadLettered, busy, p50Ms, p95Ms }') } } },
  EnqueueResult: { type: 'object', properties: { enqueued: { type: 'integer' }, deduplicated: { type: 'integer' }, jobs: { type: 'array', items: { type: 'object', properties: { id: { type: 'integer' }, deduplicated: { type: 'boolean' } } } } } },
  RetryResult: loose('`jobs retry --json`: jobId, previousStatus, status, attemptCount, maxAttempts'),
  CancelResult: { type: 'object', properties: { cancelled: { type: 'array', items: { type: 'integer' } }, refused: { type: 'array', items: { type: 'object' } } } },
  BulkResult: { type: 'object', properties: { action: { type: 'string' }, changed: { type: 'array', items: { type: 'integer' } }, refused: { type: 'array', items: loose('{ jobId, status, reason }') } } },
  Document: loose('a documents index row as `docs show --json` (snake_case), with stale and staleReasons'),
  Lineage: loose('{ document, ancestors, descendants, truncated, graph: { nodes, edges } }'),
};

/** `/api/jobs/:id` → `/api/jobs/{id}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z]+)/g, '{$1}');
}

export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of operations) {
    const pathParameters = [...operation.path.matchAll(/:([A-Za-z]+)/g)].map((match) => ({ name: match[1], in: 'path', required: true, schema: { type: match[1] === 'id' && !operation.path.startsWith('/api/evaluations') ? 'integer' : 'string' } }));
    const queryParameters = Object.entries(operation.query ?? {}).map(([name, schema]) => {
      const { description, ...rest } = schema;
      return { name, in: 'query', required: false, description, schema: rest };
    });
    const errors = {
      '400': { description: 'bad input (the field is named)', content: { 'application/json': { schema: ref('Error') } } },
      ...(operation.public ? {} : { '401': { description: 'a token is required', content: { 'application/json': { schema: ref('Error') } } } }),
      ...(operation.acts ? { '403': { description: 'read-only token, or another site (csrf_refused)', content: { 'application/json': { schema: ref('Error') } } }, '415': { description: 'not a JSON body', content: { 'application/json': { schema: ref('Error') } } } } : {}),
      '404': { description: 'not found', content: { 'application/json': { schema: ref('Error') } } },
      '409': { description: 'conflicts with the state of the job or the stored bytes', content: { 'application/json': { schema: ref('Error') } } },
      '503': { description: 'query timeout or schema not current', content: { 'application/json': { schema: ref('Error') } } },
    };
    (paths[openApiPath(operation.path)] ??= {})[operation.method] = {
      operationId: `${operation.method}${operation.path.replace(/[^A-Za-z]+([A-Za-z])/g, (_match, letter: string) => letter.toUpperCase()).replace(/[^A-Za-z]/g, '')}`,
      summary: operation.summary,
      tags: [operation.tag],
      ...(operation.public ? { security: [] } : {}),
      parameters: [...pathParameters, ...queryParameters],
      ...(operation.body ? { requestBody: { required: operation.method === 'post' && operation.path !== '/api/dead-letters/redrive', content: { 'application/json': { schema: operation.body } } } } : {}),
      responses: {
        [String(operation.status ?? 200)]: { description: 'OK', content: { [operation.contentType ?? 'application/json']: { schema: operation.response } } },
        ...errors,
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Holocron HTTP API',
      version,
      description:
        'The queue, attempts and their lake files, documents and lineage, evaluation runs. JSON shapes are the CLI\'s --json. ' +
        'Errors: { error: { code, message } }. Acting needs the write token (or none on loopback without one), a JSON body, and the same origin.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }, { cookie: [] }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'HOLOCRON_API_TOKEN (look and act) or HOLOCRON_API_READ_TOKEN (look)' },
        cookie: { type: 'apiKey', in: 'cookie', name: 'holocron_token', description: 'set by POST /api/session' },
      },
      schemas,
    },
    paths,
  };
}
