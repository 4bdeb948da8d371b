/**
 * `GET /api/events[?jobs=1,2,3]`: server-sent events, so pages update live without polling.
 * - `stats`: the overview stats (`GET /api/stats`), at once and whenever they change (read every ~2 s).
 * - `job`: `{ id, status, attemptCount, updatedAt }` of each watched job, at once and on every change.
 * - a comment line every 15 s keeps proxies from closing an idle stream.
 * Streams are bounded (`maxStreams`); EventSource reconnects by itself.
 */
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { HttpError, invalidParameter } from '../http-error.ts';
import { maxWatchedJobs, type LiveEvents } from '../live-events.ts';
import type { RouteContext, ServerEnv } from '../server-context.ts';

export const maxStreams = 100;

export function eventsRoutes({ holocron }: RouteContext, live: LiveEvents, options: { jobIntervalMs?: number } = {}): Hono<ServerEnv> {
  let open = 0;
  return new Hono<ServerEnv>().get('/events', async (context) => {
    const jobIds = watchedJobs(context.req.query('jobs'));
    if (open >= maxStreams) throw new HttpError(503, 'too_many_streams', `At most ${maxStreams} event streams at once; try again later.`);
    open += 1;
    return streamSSE(context, async (stream) => {
      let sequence = 0;
      const send = (event: string, data: unknown) => stream.writeSSE({ event, data: JSON.stringify(data), id: String(++sequence) }).catch(() => undefined);
      const seen = new Map<number, string>();
      const pollJobs = async () => {
        if (jobIds.length === 0) return;
        const rows = await holocron.database.db
          .selectFrom('jobs')
          .select(['id', 'status', 'attempt_count', 'updated_at'])
          .where(holocron.database.adapter.inList('id', jobIds, 'bigint'))
          .execute();
        for (const row of rows) {
          const job = { id: Number(row.id), status: row.status, attemptCount: row.attempt_count, updatedAt: Number(row.updated_at) };
          const text = JSON.stringify(job);
          if (seen.get(job.id) === text) continue;
          seen.set(job.id, text);
          await send('job', job);
        }
      };
      let unsubscribe = () => {};
      let jobTimer: NodeJS.Timeout | undefined;
      let heartbeat: NodeJS.Timeout | undefined;
      try {
        const aborted = new Promise<void>((resolve) => stream.onAbort(resolve));
        unsubscribe = live.subscribe((stats) => void send('stats', stats));
        jobTimer = setInterval(() => void pollJobs().catch(() => undefined), options.jobIntervalMs ?? 1000);
        heartbeat = setInterval(() => void stream.write(': keep-alive\n\n').catch(() => undefined), 15_000);
        await pollJobs().catch(() => undefined);
        await aborted;
      } finally {
        clearInterval(jobTimer);
        clearInterval(heartbeat);
        unsubscribe();
        open -= 1;
      }
    });
  });
}

function watchedJobs(value: string | undefined): number[] {
  if (value === undefined || value === '') return [];
  const parts = value.split(',');
  if (parts.length > maxWatchedJobs) throw invalidParameter('jobs', `at most ${maxWatchedJobs} job ids, got ${parts.length}`);
  return [
    ...new Set(
      parts.map((part, index) => {
        if (!/^\d{1,15}$/.test(part.trim()) || Number(part) < 1) throw invalidParameter(`jobs[${index}]`, `must be a positive whole number, got "${part.slice(0, 20)}"`);
        return Number(part);
      }),
    ),
  ];
}
