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
import { jobStats } from '../src/queue/job-stats.ts';
import { launchBrowser, type Browser } from './support/browser.ts';
import { seedDemo, startDashboardServer, type DashboardServer } from './support/dashboard-server.ts';

/** As the page prints counts (en-US grouping). */
const count = (value: number) => value.toLocaleString('en-US');

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
    const retried = await db.selectFrom('jobs').select(['id', 'attempt_count']).where('status', '=', 'SUCCEEDED').where('attempt_count', '>', 1).orderBy('id').executeTakeFirstOrThrow();
    const attempts = await db.selectFrom('runs').select(['id', 'attempt']).where('job_id', '=', retried.id).orderBy('attempt').execute();
    await open(`#/jobs/${retried.id}`);
    await page.locator('[data-page=job]').waitFor();
    assert.equal(await page.locator('.timeline-list [data-attempt]').count(), attempts.length);
    for (const attempt of [attempts[0]!, attempts.at(-1)!]) {
      await page.locator(`.timeline-list [data-attempt="${attempt.attempt}"]`).click();
      await page.locator(`[data-attempt-details="${attempt.attempt}"]`).waitFor();
      const artifacts = await db.selectFrom('artifacts').select(['lake_path', 'sha256']).where('run_id', '=', attempt.id).execute();
      assert.ok(artifacts.length >= 3, 'an attempt writes its prompt, request and response at least');
      const shown = await page.locator('table.files tbody tr').evaluateAll((rows) =>
        rows.map((row) => [row.getAttribute('data-file'), row.querySelector('[data-sha256]')?.textContent]),
      );
      assert.deepEqual(
        shown.sort(),
        artifacts.map((artifact) => [artifact.lake_path.split('/').pop(), artifact.sha256]).sort(),
        `attempt ${attempt.attempt}'s files and hashes`,
      );
    }
    assert.match(page.url(), new RegExp(`#/jobs/${retried.id}\\?attempt=${attempts.at(-1)!.attempt}`), 'the selected attempt is in the URL');
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

  it('bulk cancel from the jobs list dead-letters the selected queued jobs as cancelled', async () => {
    const { db } = server.holocron.database;
    await server.holocron.enqueue([
      { interrogation: 'sw_entity_facts_v1', entity_type: 'planet', entity_id: 'bespin', evidence: ['Bespin is a gas giant.'], run_label: 'bulk' },
      { interrogation: 'sw_entity_facts_v1', entity_type: 'planet', entity_id: 'kamino', evidence: ['Kamino is an ocean planet.'], run_label: 'bulk' },
      { interrogation: 'sw_entity_facts_v1', entity_type: 'planet', entity_id: 'mustafar', evidence: ['Mustafar is volcanic.'], run_label: 'bulk' },
    ]);
    const queued = await db.selectFrom('jobs').select('id').where('run_label', '=', 'bulk').orderBy('id').execute();
    await open('#/jobs?status=NEW&label=bulk');
    await page.locator('[data-table=jobs] tbody tr').first().waitFor();
    assert.equal(await page.locator('[data-table=jobs] tbody tr').count(), 3);
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
    assert.deepEqual(await page.locator('[data-table=jobs] tbody tr').evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-job')))), [Number(queued[2]!.id)]);
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
