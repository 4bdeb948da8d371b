/**
 * The HTTP API's jobs, stats and health routes through app.request(), on SQLite and PostgreSQL: the
 * answers are the CLI's read models; bad input is a 400 naming the field; actions change the queue.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openHolocron } from '../src/holocron.ts';
import { mapError } from '../src/server/error-edge.ts';
import { testConfig } from './support/test-config.ts';
import { dialects, makeTempDirectory } from './support/test-databases.ts';
import { createServerFixture, postJson, type ServerFixture } from './support/server-fixture.ts';

for (const dialect of dialects) {
  describe(`HTTP API jobs on ${dialect}`, () => {
    let fixture: ServerFixture;
    before(async () => {
      fixture = await createServerFixture(dialect);
    });
    after(async () => {
      await fixture?.close();
    });

    it('answers health with the dialect and a current schema', async () => {
      const response = await fixture.app().request('/api/health');
      assert.equal(response.status, 200);
      const body = (await response.json()) as { ok: boolean; database: { dialect: string; schemaCurrent: boolean } };
      assert.equal(body.ok, true);
      assert.equal(body.database.dialect, dialect);
      assert.equal(body.database.schemaCurrent, true);
    });

    it('enqueues with the CLI\'s validation, lists with filters and pages, shows, cancels, retries and acts in bulk', async () => {
      const app = fixture.app();
      const refused = await app.request('/api/jobs', postJson([{ kind: 'noop', input: {} }, { kind: 'noop', max_attempts: 0 }]));
      assert.equal(refused.status, 400);
      const refusal = (await refused.json()) as { error: { code: string; problems: { where: string; field: string }[] } };
      assert.equal(refusal.error.code, 'invalid_job');
      assert.deepEqual(refusal.error.problems.map((problem) => [problem.where, problem.field]), [['job 2', 'max_attempts']]);
      assert.equal((await fixture.holocron.database.db.selectFrom('jobs').select('id').execute()).length, 0, 'nothing enqueued');

      const created = await app.request(
        '/api/jobs',
        postJson({ jobs: [{ kind: 'noop', input: { name: 'Luke Skywalker' }, run_label: 'exp-a' }, { kind: 'noop', input: { name: 'Leia Organa' } }, { kind: 'noop', input: { name: 'Han Solo' }, run_label: 'exp-a' }] }),
      );
      assert.equal(created.status, 201);
      const result = (await created.json()) as { enqueued: number; jobs: { id: number }[] };
      assert.equal(result.enqueued, 3);
      const [luke, leia, han] = result.jobs.map((job) => job.id);

      const all = (await (await app.request('/api/jobs')).json()) as { items: { id: number }[]; nextCursor: string | null };
      assert.deepEqual(all.items.map((job) => job.id), [han, leia, luke]);
      assert.equal(all.nextCursor, null);

      const first = (await (await app.request('/api/jobs?limit=2')).json()) as { items: { id: number }[]; nextCursor: string };
      assert.deepEqual(first.items.map((job) => job.id), [han, leia]);
      const second = (await (await app.request(`/api/jobs?limit=2&cursor=${first.nextCursor}`)).json()) as { items: { id: number }[] };
      assert.deepEqual(second.items.map((job) => job.id), [luke]);

      const searched = (await (await app.request('/api/jobs?q=skywalker')).json()) as { items: { id: number }[] };
      assert.deepEqual(searched.items.map((job) => job.id), [luke], 'text inside the input, case-insensitive');
      const labelled = (await (await app.request('/api/jobs?label=exp-a&status=NEW')).json()) as { items: { id: number }[] };
      assert.deepEqual(labelled.items.map((job) => job.id), [han, luke]);
      assert.deepEqual(await (await app.request('/api/jobs?status=RUNNING')).json(), { items: [], nextCursor: null }, 'no RUNNING job: answered from the counts');
      const percent = (await (await app.request('/api/jobs?q=%25')).json()) as { items: unknown[] };
      assert.equal(percent.items.length, 0, 'a % in the search is a character, not a wildcard');

      const shown = await app.request(`/api/jobs/${luke}`);
      assert.equal(shown.status, 200);
      const details = (await shown.json()) as { job: { id: number; input: unknown; runLabel: string }; attempts: unknown[] };
      assert.deepEqual([details.job.id, details.job.input, details.job.runLabel, details.attempts], [luke, { name: 'Luke Skywalker' }, 'exp-a', []]);

      const cancelled = await app.request(`/api/jobs/${luke}/cancel`, postJson({}));
      assert.equal(cancelled.status, 200);
      const dead = (await (await app.request('/api/jobs?status=DEADLETTER&error=cancelled')).json()) as { items: { id: number; status: string }[] };
      assert.deepEqual(dead.items.map((job) => [job.id, job.status]), [[luke, 'DEADLETTER']]);
      const again = await app.request(`/api/jobs/${luke}/cancel`, postJson({}));
      assert.equal(again.status, 409);
      assert.equal(((await again.json()) as { error: { code: string } }).error.code, 'job_state_conflict');

      const stats = (await (await app.request('/api/stats')).json()) as { byStatus: Record<string, number>; deadLettersByErrorCode: { errorCode: string; count: number }[] };
      assert.deepEqual([stats.byStatus.NEW, stats.byStatus.DEADLETTER], [2, 1]);
      assert.deepEqual(stats.deadLettersByErrorCode, [{ errorCode: 'cancelled', count: 1 }]);

      const retried = await app.request(`/api/jobs/${luke}/retry`, postJson({}));
      assert.equal(retried.status, 200);
      assert.deepEqual(((await retried.json()) as { previousStatus: string; status: string }), { jobId: luke, previousStatus: 'DEADLETTER', status: 'NEW', attemptCount: 0, maxAttempts: 3 });
      const retryNew = await app.request(`/api/jobs/${luke}/retry`, postJson({}));
      assert.equal(retryNew.status, 409);

      const bulkCancel = (await (await app.request('/api/jobs/bulk', postJson({ action: 'cancel', ids: [luke, leia, 999_999] }))).json()) as {
        changed: number[];
        refused: { jobId: number; status: string | null }[];
      };
      assert.deepEqual(bulkCancel.changed, [luke, leia].sort((a, b) => a! - b!));
      assert.deepEqual(bulkCancel.refused.map((refusal) => [refusal.jobId, refusal.status]), [[999_999, null]]);
      const bulkRedrive = (await (await app.request('/api/jobs/bulk', postJson({ action: 'redrive', ids: [luke, han] }))).json()) as { changed: number[]; refused: { jobId: number; status: string }[] };
      assert.deepEqual(bulkRedrive.changed, [luke]);
      assert.deepEqual(bulkRedrive.refused.map((refusal) => [refusal.jobId, refusal.status]), [[han, 'NEW']]);
      const bulkRetry = (await (await app.request('/api/jobs/bulk', postJson({ action: 'retry', ids: [leia, han] }))).json()) as { changed: number[]; refused: { jobId: number }[] };
      assert.deepEqual([bulkRetry.changed, bulkRetry.refused.map((refusal) => refusal.jobId)], [[leia], [han]]);

      await app.request('/api/jobs/bulk', postJson({ action: 'cancel', ids: [han] }));
      const redriven = (await (await app.request('/api/dead-letters/redrive', postJson({ errorCode: 'cancelled' }))).json()) as { redriven: number; jobIds: number[] };
      assert.deepEqual(redriven, { redriven: 1, jobIds: [han] });
      const finalStats = (await (await app.request('/api/stats')).json()) as { byStatus: Record<string, number> };
      assert.equal(finalStats.byStatus.NEW, 3);
    });

    it('stops a statement that runs past the statement timeout where the dialect can, answered 503 query_timeout', async () => {
      const holocron = await openHolocron(testConfig({ 'database.url': fixture.test.url, 'lake.root': makeTempDirectory('timeout-lake') }), { statementTimeoutMs: 100 });
      try {
        assert.equal(holocron.database.adapter.supportsStatementTimeout, dialect === 'postgres');
        if (!holocron.database.adapter.supportsStatementTimeout) return;
        const error = await sql`select pg_sleep(2)`.execute(holocron.database.db).then(
          () => null,
          (caught: unknown) => caught,
        );
        assert.ok(error, 'the statement was stopped');
        const mapped = mapError(error);
        assert.equal(mapped.status, 503);
        assert.equal(mapped.body.error.code, 'query_timeout');
      } finally {
        await holocron.close();
      }
    });

    it('refuses bad input with a 400 that names the field, and unknown things with 404', async () => {
      const app = fixture.app();
      const cases: [string, RequestInit | undefined, number, string][] = [
        ['/api/jobs?limit=0', undefined, 400, 'limit'],
        ['/api/jobs?limit=501', undefined, 400, 'limit'],
        ['/api/jobs?limit=ten', undefined, 400, 'limit'],
        ['/api/jobs?status=DONE', undefined, 400, 'status'],
        ['/api/jobs?cursor=-3', undefined, 400, 'cursor'],
        ['/api/jobs/1.5', undefined, 400, 'id'],
        ['/api/jobs/bulk', postJson({ action: 'explode', ids: [1] }), 400, 'action'],
        ['/api/jobs/bulk', postJson({ action: 'retry', ids: [] }), 400, 'ids'],
        ['/api/jobs/bulk', postJson({ action: 'retry', ids: [1, 'two'] }), 400, 'ids[1]'],
        ['/api/jobs/bulk', postJson({ action: 'retry', ids: Array.from({ length: 501 }, (_, index) => index + 1) }), 400, 'ids'],
        ['/api/dead-letters/redrive', postJson({ errorcode: 'x' }), 400, 'errorcode'],
        ['/api/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' }, 400, 'body'],
      ];
      for (const [url, init, status, field] of cases) {
        const response = await app.request(url, init);
        assert.equal(response.status, status, `${url} ${init?.body ?? ''}`);
        const body = (await response.json()) as { error: { code: string; message: string; field?: string } };
        assert.equal(body.error.field, field, `${url}: ${body.error.message}`);
        assert.ok(body.error.message.startsWith(`${field}:`), body.error.message);
      }
      const missing = await app.request('/api/jobs/424242');
      assert.equal(missing.status, 404);
      assert.deepEqual(((await missing.json()) as { error: { code: string } }).error.code, 'job_not_found');
      const nowhere = await app.request('/api/nowhere');
      assert.equal(nowhere.status, 404);
      assert.equal(((await nowhere.json()) as { error: { code: string } }).error.code, 'not_found');
      const tooMany = await app.request('/api/jobs', postJson(Array.from({ length: 1001 }, () => ({ kind: 'noop' }))));
      assert.equal(tooMany.status, 413);
    });
  });
}
