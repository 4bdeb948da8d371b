/**
 * Per-endpoint figures for `jobs stats`: calls (attempts that reached the endpoint, deferred ones
 * included), busy answers (DEFERRED attempts), failures, the latency of its calls (p50 / p95 of
 * `runs.call_ms`, the call alone, over its latest 10,000 answered calls) and the in-flight level its
 * adaptive window had at its latest call (`runs.in_flight_limit`). Counts come from the maintained
 * counts without a run label (no scan of `runs`); latencies read the latest calls through the index on
 * `completed_at`.
 */
import { sql } from 'kysely';
import type { HolocronDatabase } from '../database/open-database.ts';
import type { EndpointFigures } from '../read-models/queue-stats.ts';
import { readAttemptCounts } from './status-counts.ts';

/** Latencies are taken over this many of an endpoint's latest answered calls. */
export const latencyWindow = 10_000;

export async function endpointStats(database: HolocronDatabase, filter: { runLabel?: string } = {}): Promise<EndpointFigures[]> {
  const { db } = database;
  const counts = new Map<string, { calls: number; succeeded: number; busy: number; failed: number }>();
  const add = (endpointId: string, status: string, attempts: number) => {
    const entry = counts.get(endpointId) ?? { calls: 0, succeeded: 0, busy: 0, failed: 0 };
    counts.set(endpointId, entry);
    entry.calls += attempts;
    if (status === 'SUCCEEDED') entry.succeeded += attempts;
    else if (status === 'DEFERRED') entry.busy += attempts;
    else if (status === 'FAILED') entry.failed += attempts;
  };
  if (filter.runLabel === undefined) {
    for (const row of await readAttemptCounts(database)) if (row.endpointId !== null) add(row.endpointId, row.status, row.attempts);
  } else {
    const rows = await db
      .selectFrom('runs')
      .select(['endpoint_id', 'status', sql<number>`count(*)`.as('attempts')])
      .where('endpoint_id', 'is not', null)
      .where('job_id', 'in', (eb) => eb.selectFrom('jobs').select('jobs.id').where('jobs.run_label', '=', filter.runLabel!))
      .groupBy(['endpoint_id', 'status'])
      .execute();
    for (const row of rows) add(row.endpoint_id!, row.status, Number(row.attempts));
  }
  const figures: EndpointFigures[] = [];
  for (const [endpointId, count] of [...counts].sort(([a], [b]) => a.localeCompare(b))) {
    const latest = await db
      .selectFrom('runs')
      .select(['call_ms', 'in_flight_limit'])
      .where('endpoint_id', '=', endpointId)
      .where('call_ms', 'is not', null)
      .$if(filter.runLabel !== undefined, (query) =>
        query.where('job_id', 'in', (eb) => eb.selectFrom('jobs').select('jobs.id').where('jobs.run_label', '=', filter.runLabel!)),
      )
      .orderBy('completed_at', 'desc')
      .limit(latencyWindow)
      .execute();
    const latencies = latest.map((row) => Number(row.call_ms)).sort((a, b) => a - b);
    const at = (fraction: number) => (latencies.length === 0 ? null : latencies[Math.min(latencies.length - 1, Math.floor(fraction * latencies.length))]!);
    const limitRow = latest.find((row) => row.in_flight_limit !== null);
    figures.push({
      endpointId,
      ...count,
      latencyP50Ms: at(0.5),
      latencyP95Ms: at(0.95),
      inFlightLimit: limitRow ? Number(limitRow.in_flight_limit) : null,
    });
  }
  return figures;
}
