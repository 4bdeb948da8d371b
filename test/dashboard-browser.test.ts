/**
 * The dashboard in a real headless Chromium (Debian's, driven by playwright-core) against `holocron
 * serve`'s app over a real SQLite file and lake seeded by the demo (the simulator, retries, a dead letter,
 * a pipeline's documents, two evaluation runs). What the pages show is checked against the database.
 * One browser and one seed for the whole file.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { documentLineage } from '../src/documents/document-lineage.ts';
import { compareEvalRuns } from '../src/evaluations/store/compare-eval-runs.ts';
import { cancelJobs } from '../src/queue/cancel-jobs.ts';
import { jobStats } from '../src/queue/job-stats.ts';
import { launchBrowser, type Browser } from './support/browser.ts';
import { seedDemo, startDashboardServer, type DashboardServer } from './support/dashboard-server.ts';

/** As the page prints counts (en-US grouping). */
const count = (value: number) => value.toLocaleString('en-US');
/** As the page prints a delta below 10: sign and three decimals. */
const delta = (value: number) => `${value < 0 ? '−' : '+'}${Math.abs(value).toFixed(3)}`;

describe('dashboard in Chromium', { timeout: 60_000 }, () => {
  let directory: string;
  let server: DashboardServer;
  let browser: Browser;
  let page: Page;
  let demoOutput: string;
  const pageErrors: string[] = [];

  before(async () => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'holocron-dashboard-'));
    [browser, demoOutput] = await Promise.all([launchBrowser(), seedDemo(directory)]);
    server = await startDashboardServer(directory);
    page = await browser.context.newPage();
    page.setDefaultTimeout(8_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // The pages ask before bulk actions and redrives (window.confirm): say yes.
    page.on('dialog', (dialog) => void dialog.accept());
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (directory) fs.rmSync(directory, { recursive: true, force: true });
  });

  async function open(hash: string): Promise<void> {
    await page.goto(`${server.url}/${hash}`);
  }

  it('the overview shows the queue as the database has it', async () => {
    const stats = await jobStats(server.holocron.database);
    assert.ok(stats.byStatus.SUCCEEDED > 0 && stats.byStatus.DEADLETTER > 0, 'the demo leaves successes and a dead letter');
    await open('#/');
    await page.locator('[data-page=overview]').waitFor();
    assert.equal(await page.locator('[data-stat=jobs] .stat-value').innerText(), count(stats.total));
    for (const status of ['NEW', 'RUNNING', 'RETRY', 'SUCCEEDED', 'DEADLETTER'] as const) {
      assert.equal(await page.locator(`[data-status-count=${status}] b`).innerText(), count(stats.byStatus[status]), status);
    }
    assert.equal(await page.locator('[data-stat=attempts] .stat-value').innerText(), count(stats.attempts.total));
    const deadLetters = await server.holocron.database.db
      .selectFrom('jobs')
      .select(['last_error_code', (eb) => eb.fn.countAll<number>().as('count')])
      .where('status', '=', 'DEADLETTER')
      .groupBy('last_error_code')
      .execute();
    for (const row of deadLetters) {
      const cells = page.locator(`[data-table=dead-letters] tr[data-error-code="${row.last_error_code ?? ''}"] td`);
      assert.equal(await cells.nth(1).innerText(), count(Number(row.count)));
    }
    // Each status links to the jobs list filtered by it, and the list shows exactly those jobs.
    await page.locator('[data-status-count=DEADLETTER]').click();
    await page.locator('[data-table=jobs]').waitFor();
    assert.match(page.url(), /#\/jobs\?status=DEADLETTER$/);
    assert.equal(await page.locator('[data-table=jobs] tbody tr').count(), stats.byStatus.DEADLETTER);
    assert.deepEqual(new Set(await page.locator('[data-table=jobs] tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-status')))), new Set(['DEADLETTER']));
  });

  it("a job's page shows its attempts and each attempt's files with their sha256", async () => {
    const { db } = server.holocron.database;
    // A retried job, one with deferred calls (the server was busy) among its attempts when the demo made one.
    const retried = await db
      .selectFrom('jobs')
      .select(['id', (eb) => eb.selectFrom('runs').select((inner) => inner.fn.countAll<number>().as('n')).whereRef('runs.job_id', '=', 'jobs.id').where('runs.status', '=', 'DEFERRED').as('deferred')])
      .where('status', '=', 'SUCCEEDED')
      .where('attempt_count', '>', 1)
      .orderBy('deferred', 'desc')
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const rows = await db.selectFrom('runs').select(['id', 'attempt', 'status']).where('job_id', '=', retried.id).orderBy('started_at').orderBy('attempt').execute();
    const counted = rows.filter((row) => row.status !== 'DEFERRED');
    await open(`#/jobs/${retried.id}`);
    await page.locator('[data-page=job]').waitFor();
    assert.equal(await page.locator('.timeline-list [data-attempt]').count(), rows.length, 'every call is on the timeline, deferred ones too');
    // The attempts that counted are named by their number; a deferred call by its number and its place.
    const picks: { id: string; key: string }[] = [counted[0]!, counted.at(-1)!].map((row) => ({ id: row.id, key: String(row.attempt) }));
    const deferred = rows.find((row) => row.status === 'DEFERRED');
    if (deferred) picks.push({ id: deferred.id, key: `${deferred.attempt}.1` });
    for (const pick of picks) {
      await page.locator(`.timeline-list [data-attempt="${pick.key}"]`).click();
      await page.locator(`[data-attempt-details="${pick.key}"]`).waitFor();
      const artifacts = await db.selectFrom('artifacts').select(['lake_path', 'sha256']).where('run_id', '=', pick.id).execute();
      if (pick.key.includes('.')) assert.ok(artifacts.length >= 1, 'a deferred call keeps what the busy server said');
      else assert.ok(artifacts.length >= 3, 'an attempt writes its prompt, request and response at least');
      const shown = await page.locator('table.files tbody tr').evaluateAll((rows) =>
        rows.map((row) => [row.getAttribute('data-file'), row.querySelector('[data-sha256]')?.textContent]),
      );
      assert.deepEqual(
        shown.sort(),
        artifacts.map((artifact) => [artifact.lake_path.split('/').pop(), artifact.sha256]).sort(),
        `attempt ${pick.key}'s files and hashes`,
      );
      assert.match(page.url(), new RegExp(`#/jobs/${retried.id}\\?attempt=${pick.key.replace('.', '\\.')}(&|$)`), 'the selected attempt is in the URL');
    }
  });

  it("opens an attempt's prompt from the lake, and diffs it against the attempt before (what the retry told the model)", async () => {
    const { db } = server.holocron.database;
    // An answer refused as invalid, then the retry: its prompt carries the feedback.
    const refused = await db
      .selectFrom('runs as r')
      .innerJoin('runs as next', (join) => join.onRef('next.job_id', '=', 'r.job_id').on('next.attempt', '=', (eb) => eb('r.attempt', '+', 1)))
      .select(['r.job_id', 'r.id as beforeId', 'r.attempt as beforeAttempt', 'next.id as afterId', 'next.attempt as afterAttempt'])
      .where('r.error_code', '=', 'invalid_output')
      // The attempt that ran next, not a deferred call of the same number.
      .where('next.status', '!=', 'DEFERRED')
      .orderBy('r.job_id')
      .executeTakeFirstOrThrow();
    const retried = { id: Number(refused.job_id) };
    const before = { id: refused.beforeId, attempt: refused.beforeAttempt };
    const after = { id: refused.afterId, attempt: refused.afterAttempt };
    const promptOf = async (runId: string) => {
      const artifact = await db.selectFrom('artifacts').select('lake_path').where('run_id', '=', runId).where('artifact_type', '=', 'prompt').executeTakeFirstOrThrow();
      return (await server.holocron.lake.read(artifact.lake_path)).toString('utf8');
    };
    const [oldPrompt, newPrompt] = await Promise.all([promptOf(before.id), promptOf(after.id)]);
    await open(`#/jobs/${retried.id}?attempt=${after.attempt}&compare=${before.attempt}&file=prompt.txt`);
    const viewer = page.locator('[data-open-file="prompt.txt"] pre');
    await viewer.waitFor();
    assert.equal(await viewer.textContent(), newPrompt, 'the viewer shows the file as the lake has it');
    const diff = page.locator('#diff .diff');
    await diff.waitFor();
    const added = (await diff.locator('.diff-line.add').allTextContents()).map((line) => line.replace(/^\d*\d+\+ /, ''));
    const oldLines = new Set(oldPrompt.split('\n'));
    const newOnly = newPrompt.split('\n').filter((line) => !oldLines.has(line) && line.trim() !== '');
    assert.ok(newOnly.length > 0, 'the retry prompt says something new');
    for (const line of newOnly) assert.ok(added.some((shown) => shown.endsWith(line)), `the diff adds: ${line}`);
    assert.equal(Number(await diff.getAttribute('data-added')) >= newOnly.length, true);
  });

  it('a retry from the page puts the dead letter back in the queue', async () => {
    const { db } = server.holocron.database;
    const dead = await db.selectFrom('jobs').select(['id', 'attempt_count']).where('status', '=', 'DEADLETTER').orderBy('id').executeTakeFirstOrThrow();
    assert.ok(dead.attempt_count > 0);
    await open(`#/jobs/${dead.id}`);
    await page.locator('[data-page=job][data-job-status=DEADLETTER]').waitFor();
    await page.locator('[data-action=retry]').click();
    await page.locator('[data-page=job][data-job-status=NEW]').waitFor();
    const row = await db.selectFrom('jobs').select(['status', 'attempt_count']).where('id', '=', dead.id).executeTakeFirstOrThrow();
    assert.deepEqual(row, { status: 'NEW', attempt_count: 0 });
    assert.equal(await page.locator('[data-action=retry]').count(), 0, 'a queued job offers no retry');
  });

  it('the comparison of two evaluation runs shows each delta with its confidence interval', async () => {
    const runs = await server.holocron.database.db.selectFrom('eval_runs').select(['id', 'name']).orderBy('created_at').execute();
    assert.equal(runs.length, 2);
    const expected = await compareEvalRuns(server.holocron.database, [runs[0]!.id, runs[1]!.id], runs[0]!.id);
    const metrics = expected.pairs[0]!.metrics;
    const metric = metrics.find((entry) => entry.comparable && entry.interval?.low != null && entry.interval.high != null && entry.interval.low !== entry.interval.high && Math.abs(entry.interval.low) < 10 && Math.abs(entry.interval.high) < 10);
    assert.ok(metric, 'the demo runs differ on some metric');
    // Found with the search box (the runs query language), picked in the list: the first picked is the baseline.
    await open('#/evaluations');
    await page.locator('[data-page=evaluations] input[type=search]').fill('project:demo AND status:completed');
    // The unfiltered list has the same two rows: wait for the query's own answer, not the list before it.
    const searched = page.waitForResponse((response) => response.url().includes('/api/evaluations/runs') && response.url().includes('q=project'));
    await page.locator('[data-page=evaluations] input[type=search]').press('Enter');
    await page.waitForURL(/#\/evaluations\?q=project/);
    await searched;
    await page.locator('[data-table=runs] tbody tr').nth(1).waitFor();
    assert.equal(await page.locator('[data-table=runs] tbody tr').count(), 2);
    for (const run of runs) await page.locator(`tr[data-run="${run.id}"] input[type=checkbox]`).check();
    await page.locator('[data-compare-picked]').click();
    await page.waitForURL(new RegExp(`#/evaluations/compare\\?runs=${runs[0]!.id}%2C${runs[1]!.id}&baseline=${runs[0]!.id}$`));
    const row = page.locator(`[data-table=metrics] tr[data-metric="${metric.metric}"]`);
    await row.waitFor();
    assert.equal(await row.locator('[data-interval]').innerText(), `[${delta(metric.interval!.low!)}, ${delta(metric.interval!.high!)}]`);
    assert.equal(await row.locator('svg.interval').count(), 1);
    const verdict = metric.significantRegression ? 'regressed' : metric.significantImprovement ? 'improved' : 'same';
    assert.equal(await row.getAttribute('data-verdict'), verdict);
    assert.equal(await page.locator('[data-table=metrics] tbody tr').count(), metrics.length);
    const improved = expected.pairs[0]!.improved;
    assert.equal(await page.locator('[data-changes=improved] tbody tr').count(), Math.min(improved.count, improved.items.length));
  });

  it("a document's page draws its lineage: ancestors and descendants, each a link", async () => {
    const { db } = server.holocron.database;
    const essay = await db.selectFrom('documents').select('doc_id').where('stage', '=', 'essay').orderBy('id').executeTakeFirstOrThrow();
    const lineage = (await documentLineage(server.holocron.database, essay.doc_id))!;
    const descendants: string[] = [];
    const walk = (node: typeof lineage.descendants) => node.children.forEach((child) => (descendants.push(child.document.doc_id), walk(child)));
    walk(lineage.descendants);
    assert.ok(lineage.ancestors.length > 0 && descendants.length > 0, 'an essay has a facts parent and an evaluation child');
    await open(`#/documents/${essay.doc_id}`);
    await page.locator('svg.lineage').waitFor();
    const drawn = await page.locator('svg.lineage a[data-doc]').evaluateAll((links) => links.map((link) => link.getAttribute('data-doc')));
    assert.deepEqual(drawn.sort(), [essay.doc_id, ...lineage.ancestors.map((row) => row.doc_id), ...descendants].sort());
    assert.equal(await page.locator('svg.lineage path.edge').count(), drawn.length - 1);
    await page.locator(`svg.lineage a[data-doc="${lineage.ancestors.at(-1)!.doc_id}"]`).click();
    await page.locator(`[data-page=document] h1:has-text("${lineage.ancestors.at(-1)!.doc_id}")`).waitFor();
  });

  it('stale documents are marked in the list, on their page and in the lineage graph, with why', async () => {
    const { db } = server.holocron.database;
    const essay = await db.selectFrom('documents').select(['doc_id', 'parent_doc_id']).where('stage', '=', 'essay').orderBy('id').executeTakeFirstOrThrow();
    const lineage = (await documentLineage(server.holocron.database, essay.doc_id))!;
    const facts = lineage.ancestors.at(-1)!;
    // As if the facts template had been edited since: what the document recorded no longer matches.
    await db.updateTable('documents').set({ template_hash: '0'.repeat(64) }).where('doc_id', '=', facts.doc_id).execute();
    try {
      await open('#/documents?stale=true');
      await page.locator('[data-table=documents] tbody tr').first().waitFor();
      const listed = await page.locator('[data-table=documents] tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-doc')));
      assert.ok(listed.includes(facts.doc_id), 'the edited one');
      assert.ok(listed.includes(essay.doc_id), 'and what was made from it');
      assert.equal(await page.locator(`tr[data-doc="${facts.doc_id}"] .badge.stale`).count(), 1);

      await open(`#/documents/${essay.doc_id}`);
      await page.locator('svg.lineage').waitFor();
      assert.equal(await page.locator('[data-page=document]').getAttribute('data-stale'), 'true');
      assert.match(await page.locator('.notice.warn').innerText(), /ancestor stale/);
      assert.equal(await page.locator(`svg.lineage a[data-doc="${facts.doc_id}"]`).getAttribute('data-stale'), 'true');
    } finally {
      await db.updateTable('documents').set({ template_hash: facts.template_hash }).where('doc_id', '=', facts.doc_id).execute();
    }
  });

  it("an evaluation run's page draws a histogram for each metric and lists its worst items", async () => {
    const { db } = server.holocron.database;
    const run = await db.selectFrom('eval_runs').select('id').orderBy('created_at').executeTakeFirstOrThrow();
    const whole = await db.selectFrom('eval_metric_aggregates').select('metric').where('run_id', '=', run.id).where('field', '=', '').execute();
    await open(`#/evaluations/${run.id}`);
    await page.locator('[data-metric-card]').first().waitFor();
    assert.deepEqual((await page.locator('[data-metric-card]').evaluateAll((cards) => cards.map((card) => card.getAttribute('data-metric-card')))).sort(), whole.map((row) => row.metric).sort());
    assert.equal(await page.locator('[data-metric-card] .histogram canvas').count(), whole.length);
    assert.ok((await page.locator('[data-table=worst-items] tbody tr').count()) > 0);
  });

  it('bulk cancel from the jobs list dead-letters the selected queued jobs as cancelled', async () => {
    const { db } = server.holocron.database;
    await server.holocron.enqueue([
      { interrogation: 'sw_entity_facts_v1', entity_type: 'planet', entity_id: 'bespin', evidence: ['Bespin is a gas giant.'], run_label: 'bulk' },
      { interrogation: 'sw_entity_facts_v1', entity_type: 'planet', entity_id: 'kamino', evidence: ['Kamino is an ocean planet.'], run_label: 'bulk' },
      { interrogation: 'sw_entity_facts_v1', entity_type: 'planet', entity_id: 'mustafar', evidence: ['Mustafar is volcanic.'], run_label: 'bulk' },
    ]);
    const queued = await db.selectFrom('jobs').select('id').where('run_label', '=', 'bulk').orderBy('id').execute();
    // The search box's language: short status names, key:value filters; the URL holds the search.
    await open('#/jobs');
    await page.locator('[data-page=jobs] input[type=search]').fill('status:queued label:bulk');
    await page.locator('[data-page=jobs] input[type=search]').press('Enter');
    await page.waitForURL(/#\/jobs\?status=NEW&label=bulk$/);
    // The filtered page replaces the unfiltered one: exactly the three queued jobs of the label.
    const listed = () => page.locator('[data-table=jobs] tbody tr').evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-job'))));
    const tableRows = page.locator('[data-table=jobs] tbody tr');
    await tableRows.nth(queued.length).waitFor({ state: 'detached' });
    await tableRows.nth(queued.length - 1).waitFor();
    assert.deepEqual((await listed()).sort(), queued.map((row) => Number(row.id)).sort());
    const chosen = queued.slice(0, 2).map((row) => Number(row.id));
    for (const id of chosen) await page.locator(`tr[data-job="${id}"] input[type=checkbox]`).check();
    await page.locator('[data-bulk=cancel]').click();
    await page.locator('.bulk-bar [role=status]').waitFor();
    assert.match(await page.locator('.bulk-bar [role=status]').innerText(), /^2 cancelled/);
    const rows = await db.selectFrom('jobs').select(['id', 'status', 'last_error_code']).where('run_label', '=', 'bulk').orderBy('id').execute();
    assert.deepEqual(
      rows.map((row) => [Number(row.id), row.status, row.last_error_code]),
      [...chosen.map((id) => [id, 'DEADLETTER', 'cancelled']), [Number(queued[2]!.id), 'NEW', null]],
    );
    // The list reloads: only the job left queued is still listed under NEW.
    await page.locator('[data-table=jobs] tbody tr').nth(1).waitFor({ state: 'detached' });
    assert.deepEqual(await listed(), [Number(queued[2]!.id)]);
  });

  it("the overview's redrive button brings back the dead letters of its error code, and only those", async () => {
    const { db } = server.holocron.database;
    const deadByCode = async () =>
      (await db.selectFrom('jobs').select(['id', 'last_error_code']).where('status', '=', 'DEADLETTER').orderBy('id').execute()).map((row): [number, string | null] => [Number(row.id), row.last_error_code]);
    const before = await deadByCode();
    const cancelled = before.filter(([, code]) => code === 'cancelled').map(([id]) => id);
    assert.equal(cancelled.length, 2, 'the two jobs cancelled above');
    await open('#/');
    const row = page.locator('[data-table=dead-letters] tr[data-error-code=cancelled]');
    await row.locator('[data-action=redrive]').click();
    await page.locator('[data-notice]').waitFor();
    assert.equal(await page.locator('[data-notice]').innerText(), `2 redriven (cancelled): jobs ${cancelled.join(', ')}.`);
    assert.deepEqual(await deadByCode(), before.filter(([, code]) => code !== 'cancelled'));
    const redriven = await db.selectFrom('jobs').select(['status', 'attempt_count']).where('id', 'in', cancelled).execute();
    assert.deepEqual(redriven, cancelled.map(() => ({ status: 'NEW', attempt_count: 0 })));
    await row.waitFor({ state: 'detached' });
  });

  it('pages update live from /api/events: the overview as jobs arrive, a job page as its job changes', async () => {
    await open('#/');
    await page.locator('[data-live=live]').waitFor();
    const before = (await jobStats(server.holocron.database)).total;
    assert.equal(await page.locator('[data-stat=jobs] .stat-value').innerText(), count(before));
    // Enqueued by another process (here: the library), not through this page: only the stream can tell it.
    const [added] = await server.holocron.enqueue([{ interrogation: 'sw_entity_facts_v1', entity_type: 'planet', entity_id: 'jakku', evidence: ['Jakku is a desert planet.'], run_label: 'live' }]);
    await page.locator(`[data-stat=jobs] .stat-value:text-is("${count(before + 1)}")`).waitFor();

    await open(`#/jobs/${added!.id}`);
    await page.locator('[data-page=job][data-job-status=NEW]').waitFor();
    await cancelJobs(server.holocron.database, [added!.id]);
    await page.locator('[data-page=job][data-job-status=DEADLETTER]').waitFor();
    assert.match(await page.locator('.fields').first().innerText(), /cancelled/);
  });

  it('a server with a token: the page asks for it; the read-only token looks without action buttons, the token acts', async () => {
    const token = 'write-token-0123456789abcdef';
    const readToken = 'read-token-0123456789abcdef';
    const guarded = await startDashboardServer(directory, { token, readToken });
    try {
      const queued = await server.holocron.database.db.selectFrom('jobs').select('id').where('status', '=', 'NEW').orderBy('id').executeTakeFirstOrThrow();
      const signIn = async (value: string) => {
        await page.goto(`${guarded.url}/#/jobs/${queued.id}`);
        await page.locator('.token-form input[type=password]').fill(value);
        await page.locator('.token-form button[type=submit]').click();
        await page.locator('[data-page=job]').waitFor();
      };
      await browser.context.clearCookies();
      await signIn(readToken);
      await page.locator('[data-live=live]').waitFor({ timeout: 5_000 }); // the stream, refused before signing in, is reopened
      assert.equal(await page.locator('[data-action]').count(), 0, 'no retry or cancel for a read-only token');
      await page.goto(`${guarded.url}/#/jobs?status=NEW`);
      await page.locator('[data-table=jobs]').waitFor();
      assert.equal(await page.locator('.bulk-bar').count(), 0, 'no bulk actions for a read-only token');
      const cookies = await browser.context.cookies(`${guarded.url}/api/session`);
      assert.deepEqual(cookies.map((cookie) => [cookie.name, cookie.httpOnly, cookie.sameSite]), [['holocron_token', true, 'Strict']]);

      await browser.context.clearCookies();
      await signIn(token);
      await page.locator('[data-action=cancel]').waitFor();
    } finally {
      await browser.context.clearCookies();
      await guarded.close();
    }
  });

  it('the demo ends by saying how to open the dashboard over its database', () => {
    const last = demoOutput.trimEnd().split('\n').slice(-2).join('\n');
    assert.match(last, /dashboard/);
    const command = /npx holocron (--db (\S+) --lake-root (\S+) serve)/.exec(last);
    assert.ok(command, last);
    assert.equal(path.resolve(command[2]!), path.join(directory, 'holocron.sqlite'));
    assert.equal(path.resolve(command[3]!), path.join(directory, 'lake'));
  });

  it('ran without a script error', () => {
    assert.deepEqual(pageErrors, []);
  });
});
