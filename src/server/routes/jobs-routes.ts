/**
 * The queue's jobs: list (filters, keyset pagination), show, enqueue, retry, cancel, bulk actions and
 * the dead letters' redrive. Bodies and answers are the CLI's `--json` read models.
 */
import { Hono } from 'hono';
import { jobStatuses } from '../../database/database.ts';
import { cancelJobs, type CancelResult } from '../../queue/cancel-jobs.ts';
import { JobNotFoundError, JobStateError } from '../../queue/queue-errors.ts';
import { redriveDeadLetters } from '../../queue/redrive-dead-letters.ts';
import { retryJob } from '../../queue/retry-job.ts';
import { searchJobs } from '../../queue/search-jobs.ts';
import { readJobCounts } from '../../queue/status-counts.ts';
import type { JobRequest } from '../../pipeline/job-request.ts';
import { toJob, type Job } from '../../read-models/job.ts';
import { toEnqueueResult, type RetryResult } from '../../read-models/queue-actions.ts';
import { readJobDetails } from '../../read-models/read-jobs.ts';
import { HttpError, invalidParameter } from '../http-error.ts';
import { jsonBody, limitParam, oneOf, positiveInteger, requiredPositiveInteger, textParam } from '../query-params.ts';
import type { ListPage, RouteContext, ServerEnv } from '../server-context.ts';

/** Most jobs one enqueue request may carry, and most ids one bulk action may name. */
export const maxEnqueuePerRequest = 1000;
export const maxBulkIds = 500;

export interface BulkResult {
  action: 'retry' | 'redrive' | 'cancel';
  /** Jobs the action changed, ascending. */
  changed: number[];
  /** Jobs it did not change, with the reason. */
  refused: { jobId: number; status: string | null; reason: string }[];
}

export function jobsRoutes({ holocron }: RouteContext): Hono<ServerEnv> {
  const { database, lake } = holocron;
  return new Hono<ServerEnv>()
    .get('/jobs', async (context) => {
      const limit = limitParam(context);
      const status = oneOf('status', context.req.query('status'), jobStatuses);
      const interrogationKey = textParam(context, 'interrogation');
      // No job has that status (the maintained counts say so at once): no need to walk the ids.
      if (status !== undefined) {
        const counts = await readJobCounts(database);
        if (!counts.some((row) => row.status === status && (interrogationKey === undefined || row.interrogationKey === interrogationKey))) {
          return context.json({ items: [], nextCursor: null } satisfies ListPage<Job>);
        }
      }
      const result = await searchJobs(database, {
        status,
        interrogationKey,
        runLabel: textParam(context, 'label'),
        model: textParam(context, 'model'),
        errorCode: textParam(context, 'error'),
        inputContains: textParam(context, 'q'),
        beforeId: positiveInteger('cursor', context.req.query('cursor')),
        limit,
      });
      const page: ListPage<Job> = {
        items: result.jobs.map(toJob),
        nextCursor: result.nextBeforeId === null ? null : String(result.nextBeforeId),
      };
      return context.json(page);
    })
    .get('/jobs/:id', async (context) => {
      const id = requiredPositiveInteger('id', context.req.param('id'));
      return context.json(await readJobDetails(database, lake, id));
    })
    .post('/jobs', async (context) => {
      const body = await jsonBody(context);
      const { requests, defaultInterrogation } = enqueueRequests(body);
      const enqueued = await holocron.enqueue(requests as JobRequest[], { defaultInterrogation });
      return context.json(toEnqueueResult(enqueued), 201);
    })
    .post('/jobs/bulk', async (context) => {
      const body = (await jsonBody(context)) as { action?: unknown; ids?: unknown } | undefined;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidParameter('body', 'must be an object { action, ids }');
      const action = body.action;
      if (action !== 'retry' && action !== 'redrive' && action !== 'cancel') {
        throw invalidParameter('action', `must be one of retry, redrive, cancel, got ${JSON.stringify(action)}`);
      }
      const ids = idList(body.ids);
      return context.json(await bulkAction(action, ids));
    })
    .post('/jobs/:id/retry', async (context) => {
      const id = requiredPositiveInteger('id', context.req.param('id'));
      const result: RetryResult = await retryJob(database, id);
      return context.json(result);
    })
    .post('/jobs/:id/cancel', async (context) => {
      const id = requiredPositiveInteger('id', context.req.param('id'));
      const result = await cancelJobs(database, [id]);
      const refusal = result.refused[0];
      if (refusal?.status === null) throw new JobNotFoundError(id);
      if (refusal) throw new JobStateError(id, refusal.status, `Job ${id} is ${refusal.status} and cannot be cancelled: ${refusal.reason}.`);
      return context.json(result);
    })
    .post('/dead-letters/redrive', async (context) => {
      const body = ((await jsonBody(context)) ?? {}) as Record<string, unknown>;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidParameter('body', 'must be an object');
      const text = (field: string): string | undefined => {
        const value = body[field];
        if (value === undefined || value === null) return undefined;
        if (typeof value !== 'string' || value === '') throw invalidParameter(field, 'must be a non-empty string');
        return value;
      };
      const unknown = Object.keys(body).filter((key) => !['errorCode', 'interrogation', 'label'].includes(key));
      if (unknown.length > 0) throw invalidParameter(unknown[0]!, 'is not a redrive filter (errorCode, interrogation, label)');
      return context.json(
        await redriveDeadLetters(database, { errorCode: text('errorCode'), interrogationKey: text('interrogation'), runLabel: text('label') }),
      );
    });

  async function bulkAction(action: BulkResult['action'], ids: number[]): Promise<BulkResult> {
    if (action === 'cancel') {
      const result: CancelResult = await cancelJobs(database, ids);
      return { action, changed: result.cancelled, refused: result.refused };
    }
    if (action === 'redrive') {
      const result = await redriveDeadLetters(database, { ids });
      const changed = new Set(result.jobIds);
      const rest = ids.filter((id) => !changed.has(id));
      const refused = await Promise.all(
        rest.map(async (jobId) => {
          const found = await database.db.selectFrom('jobs').select('status').where('id', '=', jobId).executeTakeFirst();
          return { jobId, status: found?.status ?? null, reason: found ? `it is ${found.status}, not dead-lettered` : `no job has the id ${jobId}` };
        }),
      );
      return { action, changed: result.jobIds, refused };
    }
    const changed: number[] = [];
    const refused: BulkResult['refused'] = [];
    for (const jobId of ids) {
      try {
        await retryJob(database, jobId);
        changed.push(jobId);
      } catch (error) {
        if (error instanceof JobNotFoundError) refused.push({ jobId, status: null, reason: `no job has the id ${jobId}` });
        else if (error instanceof JobStateError) refused.push({ jobId, status: error.status, reason: error.message });
        else throw error;
      }
    }
    return { action, changed: changed.sort((a, b) => a - b), refused };
  }
}

function idList(value: unknown): number[] {
  if (!Array.isArray(value) || value.length === 0) throw invalidParameter('ids', 'must be a non-empty array of job ids');
  if (value.length > maxBulkIds) throw invalidParameter('ids', `at most ${maxBulkIds} ids per request, got ${value.length}`);
  value.forEach((id, index) => {
    if (!Number.isSafeInteger(id) || (id as number) < 1) throw invalidParameter(`ids[${index}]`, `must be a positive whole number, got ${JSON.stringify(id)}`);
  });
  return [...new Set(value as number[])];
}

/** `POST /api/jobs`: one job object, an array of them, or `{ jobs: [...], interrogation? }`. */
function enqueueRequests(body: unknown): { requests: unknown[]; defaultInterrogation?: string } {
  if (body === undefined) throw invalidParameter('body', 'is empty: send a job object, an array of jobs, or { jobs: [...] }');
  let requests: unknown[];
  let defaultInterrogation: string | undefined;
  if (Array.isArray(body)) requests = body;
  else if (typeof body === 'object' && body !== null && Array.isArray((body as { jobs?: unknown }).jobs)) {
    const envelope = body as { jobs: unknown[]; interrogation?: unknown };
    if (envelope.interrogation !== undefined && typeof envelope.interrogation !== 'string') throw invalidParameter('interrogation', 'must be a string');
    requests = envelope.jobs;
    defaultInterrogation = envelope.interrogation as string | undefined;
  } else requests = [body];
  if (requests.length === 0) throw invalidParameter('jobs', 'is empty: send at least one job');
  if (requests.length > maxEnqueuePerRequest) {
    throw new HttpError(413, 'too_many_jobs', `At most ${maxEnqueuePerRequest} jobs per request, got ${requests.length}: send them in batches (or use \`holocron enqueue\` for files).`);
  }
  return { requests, defaultInterrogation };
}
