/**
 * Prometheus metrics (`GET /metrics`, prom-client), on a registry of this server's own. Queue and
 * attempt figures are read at scrape time from the maintained counts (never a scan): jobs by status
 * and interrogation, dead letters by error code, what is ready, attempts by status, endpoint and error
 * code (busy answers are `error_code="server_busy"`), tokens, and the attempt durations as an exact
 * histogram (its buckets are counted in SQL, so it is the same from every server and survives
 * restarts). The HTTP API's own requests are counted and timed by route.
 */
import client from 'prom-client';
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { HolocronDatabase } from '../database/open-database.ts';
import { jobStats } from '../queue/job-stats.ts';
import { durationBucketsSeconds, readAttemptCounts, readJobCounts } from '../queue/status-counts.ts';

export interface ServerMetrics {
  registry: client.Registry;
  /** Counts and times every API request by route and status. */
  middleware: MiddlewareHandler;
}

export function createServerMetrics(database: HolocronDatabase): ServerMetrics {
  const registry = new client.Registry();
  // One read of each count table per scrape, shared by the metrics built from it (prom-client collects them concurrently).
  let jobCountsRead: ReturnType<typeof readJobCounts> = Promise.resolve([]);
  let attemptCountsRead: ReturnType<typeof readAttemptCounts> = Promise.resolve([]);

  new client.Gauge({
    name: 'holocron_jobs',
    help: 'Jobs by status and interrogation (the queue depth is NEW + RETRY + RUNNING).',
    labelNames: ['status', 'interrogation'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await jobCountsRead) this.inc({ status: row.status, interrogation: row.interrogationKey }, row.jobs);
    },
  });
  new client.Gauge({
    name: 'holocron_dead_letters',
    help: 'Dead-lettered jobs by their last error code.',
    labelNames: ['error_code'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await jobCountsRead) if (row.status === 'DEADLETTER') this.inc({ error_code: row.errorCode || 'none' }, row.jobs);
    },
  });
  new client.Gauge({
    name: 'holocron_queue_ready',
    help: 'NEW or RETRY jobs whose time has come (claimable now); state="waiting": scheduled or backing off; state="expired_lease": RUNNING past its lease.',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const stats = await jobStats(database);
      this.set({ state: 'ready' }, stats.readyNow);
      this.set({ state: 'waiting' }, stats.waiting);
      this.set({ state: 'expired_lease' }, stats.expiredLeases);
    },
  });

  // Cumulative totals read from the database: counters whose value is set at each scrape.
  new client.Counter({
    name: 'holocron_attempts_total',
    help: 'Attempts recorded, by status, endpoint and error code (error_code="server_busy": busy answers).',
    labelNames: ['status', 'endpoint', 'error_code'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await attemptCountsRead) this.inc({ status: row.status, endpoint: row.endpointId ?? 'none', error_code: row.errorCode ?? 'none' }, row.attempts);
    },
  });
  new client.Counter({
    name: 'holocron_busy_answers_total',
    help: 'Attempts an endpoint answered busy (503 server_busy or 429 rate_limited), by endpoint.',
    labelNames: ['endpoint'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await attemptCountsRead) if (row.errorCode === 'server_busy' || row.errorCode === 'rate_limited') this.inc({ endpoint: row.endpointId ?? 'none' }, row.attempts);
    },
  });
  new client.Counter({
    name: 'holocron_tokens_total',
    help: 'Tokens of recorded attempts, by kind (prompt, completion) and endpoint.',
    labelNames: ['kind', 'endpoint'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await attemptCountsRead) {
        const endpoint = row.endpointId ?? 'none';
        if (row.promptTokens > 0) this.inc({ kind: 'prompt', endpoint }, row.promptTokens);
        if (row.completionTokens > 0) this.inc({ kind: 'completion', endpoint }, row.completionTokens);
      }
    },
  });

  // The duration histogram, written in the exposition format by hand from the counted classes (a
  // prom-client Histogram can only observe single values).
  const durationHistogram = {
    name: 'holocron_attempt_duration_seconds',
    async text(): Promise<string> {
      const attemptCounts = await attemptCountsRead;
      const byEndpoint = new Map<string, { buckets: Map<string, number>; sum: number; count: number }>();
      for (const row of attemptCounts) {
        const endpoint = row.endpointId ?? 'none';
        const entry = byEndpoint.get(endpoint) ?? { buckets: new Map(), sum: 0, count: 0 };
        entry.buckets.set(row.durationLe, (entry.buckets.get(row.durationLe) ?? 0) + row.attempts);
        entry.sum += row.durationMs / 1000;
        entry.count += row.attempts;
        byEndpoint.set(endpoint, entry);
      }
      const lines = [`# HELP ${this.name} How long attempts took, by endpoint (exact: counted in SQL by class).`, `# TYPE ${this.name} histogram`];
      for (const [endpoint, entry] of [...byEndpoint].sort()) {
        const label = `endpoint="${escapeLabel(endpoint)}"`;
        let cumulative = 0;
        for (const le of durationBucketsSeconds) {
          cumulative += entry.buckets.get(String(le)) ?? 0;
          lines.push(`${this.name}_bucket{${label},le="${le}"} ${cumulative}`);
        }
        lines.push(`${this.name}_bucket{${label},le="+Inf"} ${entry.count}`, `${this.name}_sum{${label}} ${entry.sum}`, `${this.name}_count{${label}} ${entry.count}`);
      }
      return `${lines.join('\n')}\n`;
    },
  };

  const requests = new client.Counter({
    name: 'holocron_http_requests_total',
    help: 'HTTP API requests by method, route and status.',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const requestSeconds = new client.Histogram({
    name: 'holocron_http_request_duration_seconds',
    help: 'HTTP API request durations by method and route.',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });

  const originalMetrics = registry.metrics.bind(registry);
  registry.metrics = async () => {
    jobCountsRead = readJobCounts(database);
    attemptCountsRead = readAttemptCounts(database);
    const [text, histogram] = await Promise.all([originalMetrics(), durationHistogram.text()]);
    return `${text}\n${histogram}`;
  };

  return {
    registry,
    middleware: async (context, next) => {
      const started = performance.now();
      try {
        await next();
      } finally {
        const route = matchedRoutes(context).filter((entry) => entry.method !== 'ALL').at(-1)?.path ?? 'unmatched';
        requests.inc({ method: context.req.method, route, status: String(context.res.status) });
        requestSeconds.observe({ method: context.req.method, route }, (performance.now() - started) / 1000);
      }
    },
  };
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
