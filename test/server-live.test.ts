/**
 * The HTTP API's live parts on SQLite and PostgreSQL: the time series for the charts, Prometheus
 * metrics read from the maintained counts, server-sent events (stats and watched jobs) — and the
 * OpenAPI document, checked to name exactly the registered routes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createServerApp } from '../src/server/create-server-app.ts';
import { createLiveEvents } from '../src/server/live-events.ts';
import { openApiPath } from '../src/server/openapi-document.ts';
import { createServerFixture, postJson, type ServerFixture } from './support/server-fixture.ts';
import { dialects } from './support/test-databases.ts';

/** Reads server-sent events from a streaming response until `enough` says stop. */
async function readEvents(response: Response, enough: (events: { event: string; data: unknown }[]) => boolean, timeoutMs = 8000) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: { event: string; data: unknown }[] = [];
  let buffer = '';
  const deadline = Date.now() + timeoutMs;
  try {
    while (!enough(events)) {
      if (Date.now() > deadline) throw new Error(`no such events in time; got ${JSON.stringify(events.map((entry) => entry.event))}`);
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
      }
    }
  } finally {
    await reader.cancel();
  }
  return events;
}

for (const dialect of dialects) {
  describe(`HTTP API live parts on ${dialect}`, () => {
    let fixture: ServerFixture;
    before(async () => {
      fixture = await createServerFixture(dialect);
      fixture.holocron.kinds.register({
        kind: 'flaky',
        key: 'flaky_v1',
        handle: async (job) => {
          const input = job.input as { fail?: boolean };
          const record = { endpointId: 'gpu-1', promptTokens: 11, completionTokens: 7 };
          return input.fail
            ? { kind: 'failed', record, artifacts: [], error: { code: 'server_busy', message: 'busy' }, retryable: false }
            : { kind: 'succeeded', record, artifacts: [] };
        },
        validate: (input) => ({ ok: true, value: input }),
      });
      await fixture.holocron.enqueue([...Array.from({ length: 6 }, () => ({ kind: 'flaky', input: {} })), { kind: 'flaky', input: { fail: true } }]);
      await fixture.holocron.createWorker({ mode: 'drain' }).run();
    });
    after(async () => {
      await fixture?.close();
    });

    it('serves throughput and latency over time, and refuses impossible ranges', async () => {
      const app = fixture.app();
      const series = (await (await app.request('/api/stats/timeseries?minutes=10&bucketSeconds=60')).json()) as {
        bucketMs: number;
        buckets: { start: number; succeeded: number; failed: number; deadLettered: number; busy: number; p50Ms: number | null; p95Ms: number | null }[];
      };
      assert.equal(series.bucketMs, 60_000);
      assert.ok(series.buckets.length >= 10 && series.buckets.length <= 11, String(series.buckets.length));
      const total = series.buckets.reduce((sum, bucket) => sum + bucket.succeeded + bucket.failed, 0);
      assert.equal(total, 7);
      assert.equal(series.buckets.reduce((sum, bucket) => sum + bucket.deadLettered, 0), 1);
      assert.equal(series.buckets.reduce((sum, bucket) => sum + bucket.busy, 0), 1);
      const busy = series.buckets.filter((bucket) => bucket.succeeded + bucket.failed > 0);
      for (const bucket of busy) assert.ok(bucket.p50Ms !== null && bucket.p95Ms! >= bucket.p50Ms, JSON.stringify(bucket));
      assert.equal((await app.request('/api/stats/timeseries?minutes=100000')).status, 400);
      assert.equal((await app.request('/api/stats/timeseries?minutes=1440&bucketSeconds=1')).status, 400);

      const stats = (await (await app.request('/api/stats')).json()) as { endpoints: { id: string; configured: boolean; attempts: { succeeded: number; failed: number }; busyAnswers: number }[] };
      const gpu = stats.endpoints.find((endpoint) => endpoint.id === 'gpu-1')!;
      assert.deepEqual([gpu.configured, gpu.attempts.succeeded, gpu.attempts.failed, gpu.busyAnswers], [false, 6, 1, 1]);
    });

    it('exposes Prometheus metrics from the maintained counts, behind the token', async () => {
      const app = fixture.app();
      await app.request('/api/stats');
      const response = await app.request('/metrics');
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
      const text = await response.text();
      assert.match(text, /^holocron_jobs\{status="SUCCEEDED",interrogation="flaky_v1"\} 6$/m);
      assert.match(text, /^holocron_dead_letters\{error_code="server_busy"\} 1$/m);
      assert.match(text, /^holocron_attempts_total\{status="SUCCEEDED",endpoint="gpu-1",error_code="none"\} 6$/m);
      assert.match(text, /^holocron_busy_answers_total\{endpoint="gpu-1"\} 1$/m);
      assert.match(text, /^holocron_tokens_total\{kind="prompt",endpoint="gpu-1"\} 77$/m);
      assert.match(text, /^holocron_attempt_duration_seconds_count\{endpoint="gpu-1"\} 7$/m);
      assert.match(text, /^holocron_attempt_duration_seconds_bucket\{endpoint="gpu-1",le="\+Inf"\} 7$/m);
      assert.match(text, /^holocron_queue_ready\{state="ready"\} 0$/m);
      assert.match(text, /^holocron_http_requests_total\{method="GET",route="\/api\/stats",status="200"\} 1$/m);
      const token = 'metrics-token-0123456789';
      assert.equal((await fixture.app({ token }).request('/metrics')).status, 401);
      assert.equal((await fixture.app({ token }).request('/metrics', { headers: { authorization: `Bearer ${token}` } })).status, 200);
    });

    it('pushes stats and watched jobs as server-sent events, and an action shows at once', async () => {
      const live = createLiveEvents(fixture.holocron, { intervalMs: 60_000 });
      const app = createServerApp({ holocron: fixture.holocron, live, jobEventsIntervalMs: 50, logError: () => undefined });
      try {
        const [job] = await fixture.holocron.enqueue([{ kind: 'noop', input: {} }]);
        const response = await app.request(`/api/events?jobs=${job!.id}`);
        assert.equal(response.status, 200);
        assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
        const cancel = setTimeout(() => void app.request(`/api/jobs/${job!.id}/cancel`, postJson({})), 300);
        const events = await readEvents(response, (seen) => seen.some((entry) => entry.event === 'job' && (entry.data as { status: string }).status === 'DEADLETTER') && seen.filter((entry) => entry.event === 'stats').length >= 2);
        clearTimeout(cancel);
        const statsEvents = events.filter((entry) => entry.event === 'stats').map((entry) => entry.data as { byStatus: Record<string, number> });
        assert.equal(statsEvents[0]!.byStatus.NEW, 1);
        assert.equal(statsEvents.at(-1)!.byStatus.NEW, 0, 'the cancel was pushed without waiting for the poll interval');
        assert.deepEqual(events.filter((entry) => entry.event === 'job').map((entry) => (entry.data as { status: string }).status), ['NEW', 'DEADLETTER']);
        assert.equal((await app.request('/api/events?jobs=1,x')).status, 400);
      } finally {
        live.close();
      }
    });

    it('describes every registered route in /openapi.json, and nothing that is not one', async () => {
      const app = fixture.app();
      const document = (await (await app.request('/openapi.json')).json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
      assert.equal(document.openapi, '3.1.0');
      const registered = new Set(
        app.routes
          .filter((route) => route.method !== 'ALL' && (route.path.startsWith('/api/') || route.path === '/metrics' || route.path === '/openapi.json'))
          .map((route) => `${route.method.toLowerCase()} ${openApiPath(route.path)}`),
      );
      const documented = new Set(Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method} ${path}`)));
      assert.deepEqual([...registered].filter((route) => !documented.has(route)), [], 'registered but not documented');
      assert.deepEqual([...documented].filter((route) => !registered.has(route)), [], 'documented but not registered');
      assert.ok(registered.size >= 25, String(registered.size));
    });
  });
}
