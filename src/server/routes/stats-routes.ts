/** `GET /api/stats` (the overview's figures) and `GET /api/stats/timeseries` (its charts). */
import { Hono } from 'hono';
import { configuredEndpoints } from '../../config/configured-endpoints.ts';
import { attemptTimeseries } from '../../queue/attempt-timeseries.ts';
import { deadLetterCounts, type DeadLetterCount } from '../../queue/dead-letter-counts.ts';
import { jobStats } from '../../queue/job-stats.ts';
import type { QueueStats } from '../../read-models/queue-stats.ts';
import { readAttemptCounts } from '../../queue/status-counts.ts';
import type { Holocron } from '../../holocron.ts';
import { invalidParameter } from '../http-error.ts';
import { textParam } from '../query-params.ts';
import type { RouteContext, ServerEnv } from '../server-context.ts';

/** `jobs stats --json`, with what the overview shows besides. */
export interface OverviewStats extends QueueStats {
  deadLettersByErrorCode: DeadLetterCount[];
  /** The configured endpoints (and any other that recorded attempts), with what their attempts did. */
  endpoints: EndpointSummary[];
}

export interface EndpointSummary {
  id: string;
  /** False: not in this server's configuration, but attempts recorded it (another worker's). */
  configured: boolean;
  kind: string | null;
  baseUrl: string | null;
  models: string[] | null;
  /** The most calls in flight one worker process sends it (its adaptive limit's ceiling); null: no own limit. */
  maxInFlight: number | null;
  attempts: { succeeded: number; failed: number; abandoned: number; deferred: number };
  /** Attempts it answered busy (503 server_busy or 429 rate_limited). */
  busyAnswers: number;
  meanDurationMs: number | null;
}

/** A busy answer: 503 (server_busy) or 429 (rate_limited). */
export function isBusyAnswer(errorCode: string | null): boolean {
  return errorCode === 'server_busy' || errorCode === 'rate_limited';
}

export async function readOverviewStats(holocron: Holocron, runLabel?: string): Promise<OverviewStats> {
  const [stats, deadLetters, attemptCounts] = await Promise.all([
    jobStats(holocron.database, { runLabel }),
    deadLetterCounts(holocron.database),
    readAttemptCounts(holocron.database),
  ]);
  const endpoints = new Map<string, EndpointSummary>();
  for (const endpoint of configuredEndpoints(holocron.config)) {
    endpoints.set(endpoint.id, {
      id: endpoint.id,
      configured: true,
      kind: endpoint.kind,
      baseUrl: endpoint.baseUrl,
      models: endpoint.models ?? null,
      maxInFlight: endpoint.maxInFlight ?? null,
      attempts: { succeeded: 0, failed: 0, abandoned: 0, deferred: 0 },
      busyAnswers: 0,
      meanDurationMs: null,
    });
  }
  const durations = new Map<string, { sum: number; count: number }>();
  for (const row of attemptCounts) {
    if (row.endpointId === null) continue;
    const summary =
      endpoints.get(row.endpointId) ??
      endpoints
        .set(row.endpointId, { id: row.endpointId, configured: false, kind: null, baseUrl: null, models: null, maxInFlight: null, attempts: { succeeded: 0, failed: 0, abandoned: 0, deferred: 0 }, busyAnswers: 0, meanDurationMs: null })
        .get(row.endpointId)!;
    summary.attempts[row.status === 'SUCCEEDED' ? 'succeeded' : row.status === 'FAILED' ? 'failed' : row.status === 'DEFERRED' ? 'deferred' : 'abandoned'] += row.attempts;
    if (isBusyAnswer(row.errorCode)) summary.busyAnswers += row.attempts;
    const duration = durations.get(row.endpointId) ?? { sum: 0, count: 0 };
    duration.sum += row.durationMs;
    duration.count += row.attempts;
    durations.set(row.endpointId, duration);
  }
  for (const [id, duration] of durations) endpoints.get(id)!.meanDurationMs = duration.count > 0 ? Math.round(duration.sum / duration.count) : null;
  return { ...stats, deadLettersByErrorCode: deadLetters, endpoints: [...endpoints.values()] };
}

export function statsRoutes({ holocron }: RouteContext): Hono<ServerEnv> {
  return new Hono<ServerEnv>().get('/stats', async (context) => context.json(await readOverviewStats(holocron, textParam(context, 'label'))))
  .get('/stats/timeseries', async (context) => {
    const minutes = boundedInteger('minutes', context.req.query('minutes'), 60, 1, 7 * 24 * 60);
    const bucketSeconds = boundedInteger('bucketSeconds', context.req.query('bucketSeconds'), 60, 1, 24 * 3600);
    if ((minutes * 60) / bucketSeconds > maxBuckets) {
      throw invalidParameter('bucketSeconds', `${minutes} minutes in ${bucketSeconds}-second buckets is over ${maxBuckets} buckets: use larger buckets`);
    }
    return context.json(await attemptTimeseries(holocron.database, { minutes, bucketSeconds }));
  });
}

/** Most buckets one timeseries answer holds. */
export const maxBuckets = 1440;

function boundedInteger(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const number = /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!(number >= min && number <= max)) throw invalidParameter(name, `must be a whole number from ${min} to ${max}, got "${value.slice(0, 40)}"`);
  return number;
}
