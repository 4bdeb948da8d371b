/** `GET /api/stats` (the overview's figures) and `GET /api/stats/timeseries` (its charts). */
import { Hono } from 'hono';
import { configuredEndpoints } from '../../config/configured-endpoints.ts';
import { deadLetterCounts, type DeadLetterCount } from '../../queue/dead-letter-counts.ts';
import { jobStats } from '../../queue/job-stats.ts';
import type { QueueStats } from '../../read-models/queue-stats.ts';
import { textParam } from '../query-params.ts';
import type { RouteContext, ServerEnv } from '../server-context.ts';

/** `jobs stats --json`, with what the overview shows besides. */
export interface OverviewStats extends QueueStats {
  deadLettersByErrorCode: DeadLetterCount[];
  endpoints: { id: string; kind: string; baseUrl: string; models: string[] | null; maxInFlight: number | null }[];
}

export function statsRoutes({ holocron }: RouteContext): Hono<ServerEnv> {
  return new Hono<ServerEnv>().get('/stats', async (context) => {
    const runLabel = textParam(context, 'label');
    const [stats, deadLetters] = await Promise.all([jobStats(holocron.database, { runLabel }), deadLetterCounts(holocron.database)]);
    const overview: OverviewStats = {
      ...stats,
      deadLettersByErrorCode: deadLetters,
      endpoints: configuredEndpoints(holocron.config).map((endpoint) => ({
        id: endpoint.id,
        kind: endpoint.kind,
        baseUrl: endpoint.baseUrl,
        models: endpoint.models ?? null,
        maxInFlight: endpoint.maxInFlight ?? null,
      })),
    };
    return context.json(overview);
  });
}
