/**
 * `npm run screenshots`: the README's pictures of the dashboard, made from the demo's data — the demo
 * seeded into a temporary folder, `holocron serve`'s app over it, Debian's Chromium taking each view.
 * Writes docs/screenshots/*.png.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { launchBrowser } from '../test/support/browser.ts';
import { seedDemo, startDashboardServer } from '../test/support/dashboard-server.ts';

const output = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'screenshots');
const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'holocron-screenshots-'));
fs.mkdirSync(output, { recursive: true });
try {
  // A slower simulator spreads the demo over a few of the overview's 5-second buckets.
  await seedDemo(directory, 250);
  const server = await startDashboardServer(directory);
  const browser = await launchBrowser({ width: 1280, height: 860 });
  try {
    const page = await browser.context.newPage();
    const { db } = server.holocron.database;
    const runs = await db.selectFrom('eval_runs').select('id').orderBy('created_at').execute();
    // A job whose answer was refused and then retried: its page shows what the retry told the model.
    const refused = await db
      .selectFrom('runs')
      .innerJoin('jobs', 'jobs.id', 'runs.job_id')
      .select(['runs.job_id', 'runs.attempt'])
      .where('runs.error_code', '=', 'invalid_output')
      .where('jobs.status', '=', 'SUCCEEDED')
      .whereRef('jobs.attempt_count', '=', sql`runs.attempt + 1`)
      .orderBy('runs.job_id')
      .executeTakeFirst();
    const essay = await db.selectFrom('documents').select('doc_id').where('stage', '=', 'essay').orderBy('id').executeTakeFirst();
    const views: [string, string, string][] = [
      ['overview', '#/?minutes=5', '[data-page=overview] .chart, [data-page=overview] .empty'],
      ['comparison', `#/evaluations/compare?runs=${runs.map((run) => run.id).join(',')}`, '[data-table=metrics]'],
    ];
    if (refused) views.push(['job', `#/jobs/${refused.job_id}?attempt=${refused.attempt + 1}&compare=${refused.attempt}&file=request.json`, '#diff .diff']);
    if (essay) views.push(['lineage', `#/documents/${essay.doc_id}`, 'svg.lineage']);
    for (const [name, hash, ready] of views) {
      await page.goto(`${server.url}/${hash}`);
      await page.locator(ready).first().waitFor({ timeout: 10_000 });
      await page.waitForTimeout(400);
      const file = path.join(output, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
      process.stdout.write(`${path.relative(process.cwd(), file)}\n`);
    }
  } finally {
    await browser.close();
    await server.close();
  }
} finally {
  fs.rmSync(directory, { recursive: true, force: true });
}
