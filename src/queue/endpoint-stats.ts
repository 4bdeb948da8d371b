/**
 * Per-endpoint figures for `jobs stats`: calls (attempts that reached the endpoint, deferred ones
 * included), busy answers (DEFERRED attempts), failures, the latency of its calls (p50 / p95 of
 * `runs.call_ms`, the call alone, over its latest 10,000 answered calls) and the in-flight level its
 * adaptive window had at its latest call (`runs.in_flight_limit`). Counts come from the maintained
 * counts without a run label (no scan of `runs`); latencies read the latest calls from an index that
 * holds them (`runs_endpoint_calls_index`, queue/0010: endpoint, completion time, latency, in-flight
 * level), so no row of `runs` is read.
 */
import { sql, type SelectQueryBuilder } from 'kysely';
import type { Database } from '../database/database.ts';
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
  const ofLabel = <Q extends SelectQueryBuilder<Database, 'runs', any>>(query: Q): Q =>
    query.where('job_id', 'in', (eb) => eb.selectFrom('jobs').select('jobs.id').where('jobs.run_label', '=', filter.runLabel!)) as Q;
  const figures: EndpointFigures[] = [];
  for (const [endpointId, count] of [...counts].sort(([a], [b]) => a.localeCompare(b))) {
    // Both read runs_endpoint_calls_index (queue/0010) alone: the latencies of the latest answered calls,
    // then the latest in-flight level (usually the first entry).
    const latest = await db
      .selectFrom((eb) =>
        eb
          .selectFrom('runs')
          .select('call_ms')
          .where('endpoint_id', '=', endpointId)
          .where('call_ms', 'is not', null)
          .$if(filter.runLabel !== undefined, ofLabel)
          .orderBy('completed_at', 'desc')
          .limit(latencyWindow)
          .as('latest'),
      )
      .select(database.adapter.joinedNumbers('call_ms').as('calls'))
      .executeTakeFirst();
    const latencies = latest?.calls ? Float64Array.from(latest.calls.split(','), Number).sort() : new Float64Array(0);
    const at = (fraction: number) => (latencies.length === 0 ? null : latencies[Math.min(latencies.length - 1, Math.floor(fraction * latencies.length))]!);
    const limitRow = await db
      .selectFrom('runs')
      .select('in_flight_limit')
      .where('endpoint_id', '=', endpointId)
      .where('call_ms', 'is not', null)
      .where('in_flight_limit', 'is not', null)
      .$if(filter.runLabel !== undefined, ofLabel)
      .orderBy('completed_at', 'desc')
      .limit(1)
      .executeTakeFirst();
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
