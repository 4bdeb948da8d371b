/**
 * The demo: enqueue a Star Wars evidence set (sw_entity_facts_v1), drain it with a worker on the
 * embedded default (a SQLite file and a local lake), and print what happened. It uses a real Ollama
 * when the configured one answers; otherwise it starts the bundled simulator and says so.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import type { HolocronConfig } from '../config/config-schema.ts';
import { defaults } from '../config/defaults.ts';
import { runReproducibilityDemo } from '../reproducibility/reproducibility-demo.ts';
import { openHolocron, type Holocron } from '../holocron.ts';
import type { Logger } from '../logging/create-logger.ts';
import { runPipelineDemo } from '../pipelines/pipeline-demo.ts';
import { jobStats } from '../queue/job-stats.ts';
import { readFailureLedger } from '../read-models/failure-ledger.ts';
import { startSimulator, type RunningSimulator } from '../simulator/index.ts';
import { runEvaluationDemo } from './evaluation-demo.ts';
import { evidenceFileDemo, starWarsEntities } from './star-wars-evidence.ts';

export interface DemoOptions {
  directory: string;
  faults: boolean;
  latencyMs: number;
  logger: Logger;
  write: (text: string) => void;
}

const modelMissingFromServer = 'llama9000:70b';

export async function runDemo(baseConfig: HolocronConfig, options: DemoOptions): Promise<number> {
  const { write } = options;
  const directory = path.resolve(options.directory);
  fs.rmSync(directory, { recursive: true, force: true });
  const evidenceRoot = path.join(directory, 'evidence');
  fs.mkdirSync(evidenceRoot, { recursive: true });
  fs.writeFileSync(path.join(evidenceRoot, evidenceFileDemo.fileName), evidenceFileDemo.text);

  const model = baseConfig.ollama.model ?? 'llama3.2';
  let simulator: RunningSimulator | null = null;
  let baseUrl = baseConfig.ollama.baseUrl;
  const ollama = await probeOllama(baseUrl, model);
  if (ollama === 'ready') {
    write(`Using the Ollama server at ${baseUrl} (model ${model}).\n`);
  } else {
    if (ollama === 'model-missing') {
      write(`The Ollama server at ${baseUrl} answers but has no model "${model}" (ollama pull ${model}, or set OLLAMA_MODEL).\n`);
      return 1;
    }
    simulator = await startSimulator({
      latencyMs: options.latencyMs,
      parallel: 4,
      faultSeed: 7,
      faults: options.faults ? { invalidJson: 0.06, schemaViolation: 0.06, truncated: 0.04, serverError: 0.04, dropConnection: 0.02 } : {},
    });
    baseUrl = simulator.url;
    write(
      [
        `No Ollama answered at ${baseConfig.ollama.baseUrl}, so this demo runs against the bundled simulator`,
        `at ${baseUrl}: a real HTTP server speaking Ollama's wire format, answering with JSON that`,
        'satisfies the schema, but its facts are synthetic (no model weights here).',
        ...(options.faults
          ? ['It injects faults (invalid JSON, schema violations, truncation, 500s, dropped connections)', 'so you can see retries at work; --no-faults turns them off.']
          : []),
      ].join('\n') + '\n',
    );
  }

  const config: HolocronConfig = {
    ...baseConfig,
    database: { ...baseConfig.database, url: path.join(directory, 'holocron.sqlite') },
    lake: { root: path.join(directory, 'lake') },
    evidence: { ...baseConfig.evidence, root: evidenceRoot },
    ollama: { ...baseConfig.ollama, baseUrl, model },
    // The demo talks to the one server it probed (or started): the default endpoint.
    backends: { ...defaults.backends, endpoints: [] },
    worker: { ...baseConfig.worker, concurrency: 4, pollSeconds: 0.2, id: 'demo-worker' },
    retry: { baseDelaySeconds: 0.1, maxDelaySeconds: 1 },
  };
  const holocron = await openHolocron(config);
  try {
    const started = performance.now();
    const enqueued = await holocron.enqueue([
      ...starWarsEntities.map((entity) => ({ interrogation: 'sw_entity_facts_v1', ...entity, run_label: 'demo' })),
      { interrogation: 'sw_entity_facts_v1', entity_type: evidenceFileDemo.entity_type, entity_id: evidenceFileDemo.entity_id, evidence_files: [evidenceFileDemo.fileName], run_label: 'demo' },
      { interrogation: 'sw_entity_facts_v1', entity_type: 'character', entity_id: 'jar_jar_binks', evidence: ['Jar Jar Binks was a Gungan from Naboo.'], model: modelMissingFromServer, run_label: 'demo' },
    ]);
    write(`Enqueued ${enqueued.length} jobs of sw_entity_facts_v1 (one reads its evidence from a file; one asks for a model the server does not have).\n`);
    await drainUntilSettled(holocron, options.logger);
    const seconds = (performance.now() - started) / 1000;
    await printSummary(holocron, seconds, write);
    await runPipelineDemo(holocron, {
      items: starWarsEntities.slice(0, 3),
      runLabel: 'demo-pipeline',
      drain: () => drainUntilSettled(holocron, options.logger),
      write,
    });
    await runReproducibilityDemo(holocron, write, () => drainUntilSettled(holocron, options.logger));
    await runEvaluationDemo(config, { latencyMs: options.latencyMs, logger: options.logger, write });
    const where = `--db ${path.relative(process.cwd(), holocron.database.displayUrl) || holocron.database.displayUrl} --lake-root ${path.relative(process.cwd(), holocron.lake.location) || holocron.lake.location}`;
    write(
      `\nSee it all in the dashboard (the queue, each attempt's files, documents and lineage, the runs compared):\n` +
        `  npx holocron ${where} serve      then open http://127.0.0.1:8080/\n`,
    );
  } finally {
    await holocron.close();
    await simulator?.close();
  }
  return 0;
}

/** `ready`, `model-missing`, or `absent` (nothing answers like Ollama within two seconds). */
async function probeOllama(baseUrl: string, model: string): Promise<'ready' | 'model-missing' | 'absent'> {
  try {
    const root = await fetch(baseUrl, { signal: AbortSignal.timeout(2_000) });
    if (!(await root.text()).includes('Ollama is running')) return 'absent';
    const tags = (await (await fetch(new URL('/api/tags', baseUrl), { signal: AbortSignal.timeout(2_000) })).json()) as { models?: { name: string }[] };
    const wanted = model.includes(':') ? model : `${model}:latest`;
    return tags.models?.some((entry) => entry.name === wanted) ? 'ready' : 'model-missing';
  } catch {
    return 'absent';
  }
}

/** Drains, then waits out retry backoffs and drains again, until no job is queued or running. */
async function drainUntilSettled(holocron: Holocron, logger: Logger): Promise<void> {
  for (;;) {
    await holocron.createWorker({ mode: 'drain', logger }).run();
    const stats = await jobStats(holocron.database);
    if (stats.byStatus.NEW + stats.byStatus.RETRY + stats.byStatus.RUNNING === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function printSummary(holocron: Holocron, seconds: number, write: (text: string) => void): Promise<void> {
  const { db } = holocron.database;
  const stats = await jobStats(holocron.database);
  const durations = (await db.selectFrom('runs').select('duration_ms').where('status', '=', 'SUCCEEDED').orderBy('duration_ms').execute()).map(
    (row) => Number(row.duration_ms),
  );
  const failures = await db
    .selectFrom('runs')
    .select(['error_code', (eb) => eb.fn.countAll<number>().as('count')])
    .where('status', '=', 'FAILED')
    .groupBy('error_code')
    .orderBy(sql`count(*)`, 'desc')
    .execute();
  const deferred = await db
    .selectFrom('runs')
    .select(['error_code', (eb) => eb.fn.countAll<number>().as('count')])
    .where('status', '=', 'DEFERRED')
    .groupBy('error_code')
    .orderBy(sql`count(*)`, 'desc')
    .execute();
  const deadLetters = await db.selectFrom('jobs').select(['id', 'last_error_code', 'last_error']).where('status', '=', 'DEADLETTER').execute();
  const example = await db
    .selectFrom('jobs')
    .innerJoin('artifacts', (join) => join.onRef('artifacts.job_id', '=', 'jobs.id').onRef('artifacts.run_id', '=', 'jobs.result_run_id'))
    .select(['jobs.id', 'artifacts.lake_path'])
    .where('artifacts.artifact_type', '=', 'output')
    .orderBy('jobs.id')
    .executeTakeFirst();
  const artifactCount = await db.selectFrom('artifacts').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();

  const lines = [
    '',
    `Done in ${seconds.toFixed(1)} s.`,
    `  Jobs: ${stats.total}  succeeded ${stats.byStatus.SUCCEEDED}  failed ${stats.byStatus.DEADLETTER} (dead-lettered)  still queued ${stats.byStatus.NEW + stats.byStatus.RETRY}`,
    `  Attempts: ${stats.attempts.total - stats.attempts.deferred} (${stats.attempts.failed} failed and retried or dead-lettered)` +
      (failures.length > 0 ? `: ${failures.map((row) => `${row.error_code} ${row.count}`).join(', ')}` : '') +
      (stats.attempts.deferred > 0
        ? `; ${stats.attempts.deferred} calls deferred, no attempt spent (the server busy or restarting: ${deferred.map((row) => `${row.error_code} ${row.count}`).join(', ')})`
        : ''),
    `  Tokens: ${stats.tokens.prompt} prompt + ${stats.tokens.completion} completion`,
    `  Latency per successful attempt: p50 ${percentile(durations, 0.5)} ms, p95 ${percentile(durations, 0.95)} ms`,
  ];
  for (const job of deadLetters) lines.push(`  Dead letter: job ${job.id} [${job.last_error_code}] ${job.last_error?.split('\n')[0]}`);
  // The failure ledger: which schema fields the answers broke (holocron jobs failures --by field).
  const ledger = await readFailureLedger(holocron.database, 'field', { limit: 3 });
  if (ledger.by === 'field' && ledger.rows.length > 0) {
    lines.push(`  Answers that failed validation, by field: ${ledger.rows.map((row) => `${row.field} (${row.kind}${row.keywords.length > 0 ? ` ${row.keywords.join(',')}` : ''}) ${row.failedAttempts}/${row.checkedAttempts}`).join(', ')}`);
  }
  lines.push(
    '',
    `Database: ${holocron.database.displayUrl}`,
    `Lake:     ${holocron.lake.location} (${artifactCount.count} files, each with its sha256 in the artifacts table)`,
  );
  if (example) {
    const output = (await holocron.lake.read(example.lake_path)).toString('utf8');
    lines.push('', `Example output (job ${example.id}, ${example.lake_path}):`, ...indent(output, 12));
    const where = `--db ${path.relative(process.cwd(), holocron.database.displayUrl)} --lake-root ${path.relative(process.cwd(), holocron.lake.location)}`;
    lines.push('', 'Look closer:', `  npx holocron ${where} jobs show ${example.id}`, `  npx holocron ${where} jobs list --status DEADLETTER`, `  npx holocron ${where} jobs failures --by model`);
  }
  write(`${lines.join('\n')}\n`);
}

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

function indent(text: string, maxLines: number): string[] {
  const lines = text.trimEnd().split('\n');
  const shown = lines.slice(0, maxLines).map((line) => `  ${line}`);
  if (lines.length > maxLines) shown.push(`  … (${lines.length - maxLines} more lines)`);
  return shown;
}
