/**
 * The `holocron` command line as a user drives it: child processes over real SQLite files in temporary
 * folders (and PostgreSQL for a few cases), a simulator over HTTP, and the database checked afterwards.
 * Every refusal exits 2 with a reason on stderr and leaves the queue as it was.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Command } from 'commander';
import { reportError } from '../src/cli/cli-errors.ts';
import { createProgram } from '../src/cli/main.ts';
import { Migrator } from 'kysely';
import { openDatabase } from '../src/database/open-database.ts';
import { createQueueMigration } from '../src/queue/migrations/0001-create-queue.ts';
import { getJobDetails } from '../src/queue/get-job-details.ts';
import { jobStats, type JobStats } from '../src/queue/job-stats.ts';
import type { EnqueueResult, JobDetails, JobListPage } from '../src/read-models/index.ts';
import { startSimulator, type RunningSimulator } from '../src/simulator/index.ts';
import { runCli, startCli, type CliOptions, type CliResult } from './support/cli-process.ts';
import { createTestDatabase, makeTempDirectory, type TestDatabase } from './support/test-databases.ts';

const interrogation = 'sw_entity_facts_v1';
const lukeEvidence = 'Luke Skywalker was a human male Jedi, born on Tatooine in 19 BBY.';

/** A folder of its own (the CLI's cwd), a database, a lake and an evidence root. */
interface Workspace {
  directory: string;
  lakeRoot: string;
  evidenceRoot: string;
  test: TestDatabase;
}

async function createWorkspace(dialect: 'sqlite' | 'postgres' = 'sqlite'): Promise<Workspace> {
  const directory = makeTempDirectory('cli');
  const lakeRoot = path.join(directory, 'lake');
  const evidenceRoot = path.join(directory, 'evidence');
  fs.mkdirSync(evidenceRoot);
  fs.writeFileSync(path.join(evidenceRoot, 'luke.txt'), `${lukeEvidence}\n`);
  fs.writeFileSync(path.join(directory, 'outside.txt'), 'Not evidence: outside the evidence root.\n');
  return { directory, lakeRoot, evidenceRoot, test: await createTestDatabase(dialect) };
}

async function destroyWorkspace(workspace: Workspace | undefined): Promise<void> {
  if (!workspace) return;
  await workspace.test.destroy();
  fs.rmSync(workspace.directory, { recursive: true, force: true });
}

/**
 * At most this many CLI processes at once. Their cost is start-up CPU (tsx, imports, compiling the
 * interrogation validators), so more than a few at a time only makes them fight over the cores.
 */
const maximumProcesses = 4;
let runningProcesses = 0;
const waitingForProcess: (() => void)[] = [];

async function cli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  while (runningProcesses >= maximumProcesses) await new Promise<void>((resolve) => waitingForProcess.push(resolve));
  runningProcesses++;
  try {
    return await runCli(args, options);
  } finally {
    runningProcesses--;
    waitingForProcess.shift()?.();
  }
}

/** Runs `holocron --db … --lake-root … --evidence-root … <args>` in the workspace folder. */
function holocron(workspace: Workspace, args: string[], options: CliOptions = {}): Promise<CliResult> {
  const globalFlags = ['--db', workspace.test.url, '--lake-root', workspace.lakeRoot, '--evidence-root', workspace.evidenceRoot];
  return cli([...globalFlags, ...args], { cwd: workspace.directory, ...options });
}

function assertSucceeded(result: CliResult): void {
  assert.equal(result.code, 0, `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
}

/** Exit code 2, the reason on stderr, nothing on stdout. */
function assertRefused(result: CliResult, reason: RegExp): void {
  assert.equal(result.code, 2, `expected exit 2, got ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  assert.match(result.stderr, reason);
  assert.equal(result.stdout, '');
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace for a user mistake');
}

/** What `enqueue --json` prints. */
type EnqueueOutput = EnqueueResult;

function parseJson<T>(result: CliResult): T {
  assertSucceeded(result);
  return JSON.parse(result.stdout) as T;
}

async function totalJobs(workspace: Workspace): Promise<number> {
  return parseJson<{ total: number }>(await holocron(workspace, ['jobs', 'stats', '--json'])).total;
}

function writeLines(file: string, lines: unknown[]): void {
  fs.writeFileSync(file, lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') + '\n');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Every command of the program, with its path of names (`['jobs', 'show']`). */
function everyCommand(command: Command, names: string[] = []): { names: string[]; command: Command }[] {
  return [{ names, command }, ...command.commands.flatMap((child) => everyCommand(child, [...names, child.name()]))];
}

// The suites run side by side (their child processes are mostly CPU-bound start-up, so this keeps both
// cores busy while one suite waits on a single process); the steps inside a suite run in order.
describe('holocron command line', { concurrency: true }, () => {
  describe('holocron enqueue', { concurrency: false }, () => {
    let workspace: Workspace;
    before(async () => {
      workspace = await createWorkspace();
    });
    after(() => destroyWorkspace(workspace));

    it('enqueues one job from flags, keeps every field, and deduplicates on --dedupe-key', async () => {
      const [full, fromInput] = await Promise.all([
        holocron(workspace, [
          'enqueue',
          '--interrogation', interrogation,
          '--entity-type', 'character',
          '--entity-id', 'luke_skywalker',
          '--evidence', lukeEvidence,
          '--evidence', 'He was the son of Anakin Skywalker & Padmé Amidala.',
          '--evidence-file', 'luke.txt',
          '--priority', '250',
          '--model', 'qwen2.5:7b',
          '--max-attempts', '5',
          '--dedupe-key', 'luke-1',
          '--run-label', 'flags',
          '--json',
        ]),
        holocron(workspace, [
          'enqueue',
          '-i', interrogation,
          '--input', JSON.stringify({ entity_type: 'planet', entity_id: 'will_be_replaced', source_refs: ['wookieepedia:Tatooine'] }),
          '--entity-id', 'tatooine',
          '--evidence', 'Tatooine is a desert planet with two suns.',
          '--run-label', 'flags',
        ]),
      ]);

      const printed = parseJson<EnqueueOutput>(full);
      assert.equal(printed.enqueued, 1);
      assert.equal(printed.deduplicated, 0);
      assert.equal(printed.jobs.length, 1);
      assert.equal(printed.jobs[0]!.deduplicated, false);
      const lukeId = printed.jobs[0]!.id;
      const luke = (await getJobDetails(workspace.test.database, lukeId)).job;
      assert.equal(luke.status, 'NEW');
      assert.equal(luke.interrogation_key, interrogation);
      assert.equal(luke.priority, 250);
      assert.equal(luke.model_hint, 'qwen2.5:7b');
      assert.equal(luke.max_attempts, 5);
      assert.equal(luke.attempt_count, 0);
      assert.equal(luke.dedupe_key, 'luke-1');
      assert.equal(luke.run_label, 'flags');
      assert.deepEqual(JSON.parse(luke.input), {
        entity_type: 'character',
        entity_id: 'luke_skywalker',
        source_refs: [],
        extra_params: {
          evidence: [
            { evidence_id: 'e1', source_uri: 'inline', text: lukeEvidence },
            { evidence_id: 'e2', source_uri: 'inline', text: 'He was the son of Anakin Skywalker & Padmé Amidala.' },
          ],
        },
      });
      assert.deepEqual(JSON.parse(luke.evidence_refs!), [{ path: 'luke.txt' }]);

      assertSucceeded(fromInput);
      const tatooineId = Number(/^Enqueued job (\d+)\.\n$/.exec(fromInput.stdout)?.[1]);
      assert.ok(tatooineId > 0, fromInput.stdout);
      const tatooine = (await getJobDetails(workspace.test.database, tatooineId)).job;
      assert.deepEqual(JSON.parse(tatooine.input), {
        entity_type: 'planet',
        entity_id: 'tatooine',
        source_refs: ['wookieepedia:Tatooine'],
        extra_params: { evidence: [{ evidence_id: 'e1', source_uri: 'inline', text: 'Tatooine is a desert planet with two suns.' }] },
      });
      assert.equal(tatooine.priority, 100, 'the default priority');
      assert.equal(tatooine.max_attempts, 3, 'the default attempts');
      assert.equal(tatooine.model_hint, null);

      const again = await holocron(workspace, [
        'enqueue', '-i', interrogation, '--entity-type', 'character', '--entity-id', 'luke_skywalker', '--dedupe-key', 'luke-1',
      ]);
      assertSucceeded(again);
      assert.equal(again.stdout, `Job ${lukeId} already exists (same dedupe key); nothing added.\n`);
      const stats = await jobStats(workspace.test.database, { runLabel: 'flags' });
      assert.equal(stats.total, 2);
      assert.equal((await jobStats(workspace.test.database)).total, 2, 'the duplicate added nothing');
    });

    it('refuses bad requests and flags with exit code 2, a reason, and nothing enqueued', async () => {
      const job = ['enqueue', '-i', interrogation, '--entity-type', 'character'];
      const before = (await jobStats(workspace.test.database)).total;
      const [
        unknownInterrogation,
        brokenContract,
        missingFile,
        escapingFile,
        inputNotJson,
        priorityNotNumber,
        priorityEmpty,
        noWorkMode,
        zeroConcurrency,
      ] = await Promise.all([
        holocron(workspace, ['enqueue', '-i', 'sw_entity_fact_v9', '--entity-type', 'character', '--entity-id', 'luke_skywalker']),
        holocron(workspace, [...job, '--entity-id', 'Luke Skywalker']),
        holocron(workspace, [...job, '--entity-id', 'luke_skywalker', '--evidence-file', 'missing.txt']),
        holocron(workspace, [...job, '--entity-id', 'luke_skywalker', '--evidence-file', '../outside.txt']),
        holocron(workspace, [...job, '--entity-id', 'luke_skywalker', '--input', '{entity_id: luke}']),
        holocron(workspace, [...job, '--entity-id', 'luke_skywalker', '--priority', 'high']),
        holocron(workspace, [...job, '--entity-id', 'luke_skywalker', '--priority', '']),
        holocron(workspace, ['work', '--ollama-url', 'http://127.0.0.1:9']),
        holocron(workspace, ['work', '--drain', '--concurrency', '0', '--ollama-url', 'http://127.0.0.1:9']),
      ]);

      assertRefused(unknownInterrogation, /nothing was enqueued/);
      assertRefused(unknownInterrogation, /unknown interrogation "sw_entity_fact_v9"; known: .*sw_entity_facts_v1/);
      assertRefused(brokenContract, /flags: --input: does not meet the sw_entity_facts_v1 input contract: \/entity_id must match pattern/);
      assertRefused(missingFile, /evidence path "missing\.txt" does not exist under the evidence root/);
      assert.ok(missingFile.stderr.includes(workspace.evidenceRoot), 'names the evidence root');
      assertRefused(escapingFile, /evidence path "\.\.\/outside\.txt" is outside the evidence root/);
      assertRefused(inputNotJson, /^holocron: --input is not valid JSON/);
      assertRefused(priorityNotNumber, /flags: --priority: must be a whole number from -1,000,000 to 1,000,000, got the string "high"/);
      assertRefused(priorityEmpty, /flags: --priority: must be a whole number from -1,000,000 to 1,000,000, got an empty string/);
      assertRefused(noWorkMode, /say how long to work: --once, --drain or --loop/);
      assertRefused(zeroConcurrency, /option '-c, --concurrency <n>' argument '0' is invalid\. must be 1 or more/);

      assert.equal(await totalJobs(workspace), before, 'nothing was enqueued (jobs stats --json)');
    });

    it('enqueues a JSONL file in one go, or nothing when any line is bad (naming the line)', async () => {
      // Saved the way some Windows editors do: a byte order mark first, CRLF line ends.
      const bulkLines = Array.from({ length: 300 }, (_, index) => ({
        entity_type: index % 3 === 0 ? 'planet' : 'character',
        entity_id: `bulk_${index}`,
        evidence: [`Entity ${index} appears in the archives.`],
        priority: index % 7,
        run_label: 'bulk',
        ...(index % 50 === 0 ? { interrogation, evidence_files: ['luke.txt'], max_attempts: 2 } : {}),
      }));
      fs.writeFileSync(path.join(workspace.directory, 'jobs.jsonl'), `\uFEFF${bulkLines.map((line) => JSON.stringify(line)).join('\r\n')}\r\n`);
      const good = (label: string, entityId: string) => ({ entity_type: 'character', entity_id: entityId, run_label: label });
      writeLines(path.join(workspace.directory, 'malformed.jsonl'), [
        good('malformed', 'first'),
        good('malformed', 'second'),
        '{"entity_type": "character", "entity_id": "third",',
        good('malformed', 'fourth'),
      ]);
      writeLines(path.join(workspace.directory, 'contract.jsonl'), [
        good('contract', 'first'),
        '',
        good('contract', 'third'),
        good('contract', 'Fourth Entity'),
        good('contract', 'fifth'),
      ]);
      fs.writeFileSync(path.join(workspace.directory, 'empty.jsonl'), '\n\n');

      const before = (await jobStats(workspace.test.database)).total;
      const from = (file: string, ...extra: string[]) => holocron(workspace, ['enqueue', '-i', interrogation, '--from', file, ...extra]);
      const [bulk, malformed, contract, empty, missing, withDelay] = await Promise.all([
        from('jobs.jsonl'),
        from('malformed.jsonl'),
        from('contract.jsonl'),
        from('empty.jsonl'),
        from('no-such-file.jsonl'),
        from('jobs.jsonl', '--delay-seconds', '60'),
      ]);

      assertSucceeded(bulk);
      assert.match(bulk.stdout, /^Enqueued 300 jobs \(ids \d+–\d+\) in \d+\.\d\d s\.\n$/);
      assertRefused(malformed, /1 malformed line, nothing was enqueued:\n {2}malformed\.jsonl line 3: not valid JSON/);
      assert.doesNotMatch(malformed.stderr, /line [124]\b/);
      assertRefused(contract, /nothing was enqueued:\n {2}contract\.jsonl line 4: input: does not meet the sw_entity_facts_v1 input contract/);
      assert.doesNotMatch(contract.stderr, /line [1235]\b/);
      assertRefused(empty, /--from: empty\.jsonl holds no jobs/);
      assertRefused(missing, /--from: no such file: no-such-file\.jsonl/);
      assertRefused(withDelay, /--from takes the jobs from the file; give per-job fields in its lines, not as flags/);

      assert.equal(await totalJobs(workspace), before + 300);
      const database = workspace.test.database;
      const bulkStats = await jobStats(database, { runLabel: 'bulk' });
      assert.equal(bulkStats.byStatus.NEW, 300);
      for (const label of ['malformed', 'contract']) assert.equal((await jobStats(database, { runLabel: label })).total, 0, label);
      const withFile = await database.db.selectFrom('jobs').selectAll().where('run_label', '=', 'bulk').where('evidence_refs', 'is not', null).execute();
      assert.equal(withFile.length, 6);
      assert.ok(withFile.every((job) => job.max_attempts === 2 && JSON.parse(job.evidence_refs!)[0].path === 'luke.txt'));
      const lastLine = await database.db.selectFrom('jobs').select(['priority', 'input']).where('run_label', '=', 'bulk').orderBy('id', 'desc').executeTakeFirstOrThrow();
      assert.equal(lastLine.priority, 299 % 7);
      assert.equal(JSON.parse(lastLine.input).entity_id, 'bulk_299');
    });

    it('stops quietly when the reader of its output goes away (| head)', async () => {
      const { child, done } = startCli(
        ['--db', workspace.test.url, 'jobs', 'list', '--json', '--limit', '300'],
        { cwd: workspace.directory },
      );
      child.stdout!.destroy();
      const result = await done;
      assert.equal(result.code, 0, result.stderr);
      assert.doesNotMatch(result.stderr, /EPIPE|Unhandled/);
    });
  });

  describe('holocron work and jobs', { concurrency: false }, () => {
    let workspace: Workspace;
    let simulator: RunningSimulator;
    let lukeId: number;
    let leiaId: number;
    let palpatineId: number;
    let vaderId: number;

    before(async () => {
      [workspace, simulator] = await Promise.all([createWorkspace(), startSimulator()]);
    });
    after(async () => {
      await simulator?.close();
      await destroyWorkspace(workspace);
    });

    const work = (...args: string[]) => holocron(workspace, ['work', '--ollama-url', simulator.url, ...args]);

    it('drains the queue against the simulator: jobs succeed, a missing model dead-letters at once', async () => {
      writeLines(path.join(workspace.directory, 'jobs.jsonl'), [
        { entity_type: 'character', entity_id: 'luke_skywalker', evidence: [lukeEvidence], evidence_files: ['luke.txt'] },
        { entity_type: 'character', entity_id: 'leia_organa', evidence: ['Leia Organa was born on Polis Massa.'], priority: 200 },
        { entity_type: 'character', entity_id: 'sheev_palpatine', model: 'llama9000:70b', run_label: 'palpatine' },
      ]);
      const [fromFile, vader] = await Promise.all([
        holocron(workspace, ['enqueue', '-i', interrogation, '--from', 'jobs.jsonl', '--json']),
        holocron(workspace, [
          'enqueue', '-i', interrogation, '--entity-type', 'character', '--entity-id', 'darth_vader',
          '--evidence', 'Darth Vader was a Sith Lord.', '--model', 'llama9000:70b', '--json',
        ]),
      ]);
      [lukeId, leiaId, palpatineId] = parseJson<EnqueueOutput>(fromFile).jobs.map((job) => job.id) as [number, number, number];
      vaderId = parseJson<EnqueueOutput>(vader).jobs[0]!.id;

      const drained = await work('--drain', '--json');
      const summary = parseJson<Record<string, number>>(drained);
      assert.equal(summary.claimed, 4);
      assert.equal(summary.succeeded, 2);
      assert.equal(summary.failed, 2);
      assert.equal(summary.deadLettered, 2);
      assert.match(drained.stderr, /"msg":"worker starting"/, 'logs go to stderr, the summary alone to stdout');

      const database = workspace.test.database;
      for (const id of [lukeId, leiaId]) assert.equal((await getJobDetails(database, id)).job.status, 'SUCCEEDED');
      for (const id of [vaderId, palpatineId]) {
        const dead = await getJobDetails(database, id);
        assert.equal(dead.job.status, 'DEADLETTER');
        assert.equal(dead.job.attempt_count, 1, 'one attempt, not max_attempts');
        assert.equal(dead.job.max_attempts, 3);
        assert.equal(dead.job.last_error_code, 'model_not_found');
      }
      assert.equal(simulator.stats().chatsAnswered, 2);
    });

    it('lists, counts and shows jobs (tables and JSON), with the lake artifacts and their hashes', async () => {
      const [table, deadOnly, statsText, statsJson, show, showJson, showMissing, showDead] = await Promise.all([
        holocron(workspace, ['jobs', 'list']),
        holocron(workspace, ['jobs', 'list', '--status', 'DEADLETTER', '--json']),
        holocron(workspace, ['jobs', 'stats']),
        holocron(workspace, ['jobs', 'stats', '--json']),
        holocron(workspace, ['jobs', 'show', String(lukeId)]),
        holocron(workspace, ['jobs', 'show', String(lukeId), '--json']),
        holocron(workspace, ['jobs', 'show', '99999']),
        holocron(workspace, ['jobs', 'show', String(vaderId)]),
      ]);

      assertSucceeded(table);
      const rows = table.stdout.trimEnd().split('\n');
      assert.match(rows[0]!, /^id\s+status\s+interrogation\s+priority\s+attempts\s+created\s+last error$/);
      assert.match(rows[1]!, /^-+(\s+-+)+$/);
      assert.equal(rows.length, 6);
      const listedIds = rows.slice(2).map((row) => Number(row.split(/\s+/)[0]));
      assert.deepEqual(listedIds, [lukeId, leiaId, palpatineId, vaderId].sort((a, b) => b - a), 'newest first');
      const row = (id: number) => rows.find((line) => line.startsWith(`${id} `))!;
      assert.match(row(vaderId), /^\d+\s+DEADLETTER\s+sw_entity_facts_v1\s+100\s+1\/3\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\s+\[model_not_found\] Ollama endpoint "default" at /);
      assert.match(row(leiaId), /^\d+\s+SUCCEEDED\s+sw_entity_facts_v1\s+200\s+1\/3\s+\S+ \S+\s+-$/);
      assert.match(row(lukeId), /^\d+\s+SUCCEEDED\s+sw_entity_facts_v1\s+100\s+1\/3\s+\S+ \S+\s+-$/);

      const deadListed = parseJson<JobListPage>(deadOnly);
      assert.equal(deadListed.nextBeforeId, null, 'one page holds them all');
      assert.deepEqual(
        deadListed.jobs.map((job) => [job.id, job.status, job.modelHint, (job.input as { entity_id: string }).entity_id]),
        [
          [vaderId, 'DEADLETTER', 'llama9000:70b', 'darth_vader'],
          [palpatineId, 'DEADLETTER', 'llama9000:70b', 'sheev_palpatine'],
        ].sort((a, b) => Number(b[0]) - Number(a[0])),
      );

      assertSucceeded(statsText);
      assert.match(statsText.stdout, /^Jobs: 4 {2}NEW 0 {2}RUNNING 0 {2}RETRY 0 {2}SUCCEEDED 2 {2}DEADLETTER 2$/m);
      assert.match(statsText.stdout, /^Attempts: 4 {2}succeeded 2 {2}failed 2 {2}abandoned 0 {2}deferred \(server busy\) 0$/m);
      assert.match(statsText.stdout, /^sw_entity_facts_v1\s+0\s+0\s+0\s+2\s+2$/m);
      const stats = parseJson<JobStats>(statsJson);
      assert.equal(stats.total, 4);
      assert.deepEqual(stats.byStatus, { NEW: 0, RUNNING: 0, RETRY: 0, SUCCEEDED: 2, DEADLETTER: 2 });
      assert.deepEqual(stats.attempts, { total: 4, succeeded: 2, failed: 2, abandoned: 0, deferred: 0 });
      assert.ok(stats.tokens.prompt > 0 && stats.tokens.completion > 0);

      assertSucceeded(show);
      assert.match(show.stdout, new RegExp(`^Job ${lukeId} {2}SUCCEEDED {2}sw_entity_facts_v1 {2}priority 100 {2}attempts 1/3$`, 'm'));
      assert.match(show.stdout, /^ {2}evidence files \[\{"path":"luke\.txt"\}\]$/m);
      assert.match(show.stdout, /^ {2}#1 SUCCEEDED {2}[0-9a-f-]{36} {2}worker /m);
      assert.match(show.stdout, /model llama3\.2:latest {2}digest [0-9a-f]{64}/);

      const details = parseJson<JobDetails>(showJson);
      assert.equal(details.job.id, lukeId);
      assert.equal((details.job.input as { entity_id: string }).entity_id, 'luke_skywalker');
      assert.deepEqual(details.job.evidenceRefs, [{ path: 'luke.txt' }]);
      assert.equal(details.attempts.length, 1);
      const run = details.attempts[0]!;
      assert.equal(run.status, 'SUCCEEDED');
      assert.equal(details.job.resultAttemptId, run.id);
      assert.deepEqual(run.options, { temperature: 0 });
      assert.equal(typeof run.metrics?.promptTokens, 'number');
      const types = run.artifacts.map((artifact) => artifact.type).sort();
      assert.deepEqual(types, ['evidence', 'metadata', 'output', 'prompt', 'raw', 'request', 'response', 'response_stream']);
      assert.deepEqual([details.job.kind, details.job.parentJobId], ['interrogation', null]);
      // The validated output, from SQL, is the lake's audit copy.
      const outputFile = run.artifacts.find((artifact) => artifact.type === 'output')!;
      assert.deepEqual(run.output, JSON.parse(fs.readFileSync(outputFile.path, 'utf8')));
      assert.equal(typeof run.output, 'object');
      for (const artifact of run.artifacts) {
        assert.ok(path.isAbsolute(artifact.path), artifact.path);
        assert.equal(artifact.path, path.join(workspace.lakeRoot, artifact.lakePath));
        assert.ok(fs.existsSync(artifact.path), artifact.path);
        assert.equal(sha256(artifact.path), artifact.sha256, artifact.path);
        assert.equal(fs.statSync(artifact.path).size, artifact.bytes);
        assert.ok(show.stdout.includes(`sha256 ${artifact.sha256}`), 'the table shows every hash too');
      }
      const evidenceArtifact = run.artifacts.find((artifact) => artifact.type === 'evidence')!;
      assert.ok(fs.readFileSync(evidenceArtifact.path, 'utf8').includes('born on Tatooine'), 'the evidence file was read');

      assertRefused(showMissing, /^holocron: No job with id 99999\.\n$/);

      assertSucceeded(showDead);
      assert.match(showDead.stdout, new RegExp(`^Job ${vaderId} {2}DEADLETTER `, 'm'));
      assert.match(showDead.stdout, /^ {2}model hint llama9000:70b /m);
      assert.match(showDead.stdout, /last error \[model_not_found\] .*model "llama9000:70b" not found.*\(404\)/);
      assert.match(showDead.stdout, /#1 FAILED .*\n.*\n {5}error \[model_not_found\] .*404/);
    });

    it('retries a dead letter, refuses to retry a job that succeeded, and redrives by error code', async () => {
      const [retrySucceeded, retryDead, redriven, otherCode] = await Promise.all([
        holocron(workspace, ['jobs', 'retry', String(lukeId)]),
        holocron(workspace, ['jobs', 'retry', String(vaderId)]),
        // Only Palpatine's run label, so that this and the retry of Vader never race for the same job.
        holocron(workspace, ['jobs', 'redrive', '--error-code', 'model_not_found', '--run-label', 'palpatine']),
        holocron(workspace, ['jobs', 'redrive', '--error-code', 'server_error', '--json']),
      ]);
      assertRefused(retrySucceeded, new RegExp(`^holocron: Job ${lukeId} is SUCCEEDED and cannot be retried: it succeeded; enqueue a new job to run it again\\.\\n$`));
      assertSucceeded(retryDead);
      assert.equal(retryDead.stdout, `Job ${vaderId} is queued again.\n`);
      assertSucceeded(redriven);
      assert.equal(redriven.stdout, '1 dead-lettered job queued again.\n');
      assert.deepEqual(parseJson<{ redriven: number }>(otherCode), { redriven: 0, jobIds: [] });

      const database = workspace.test.database;
      assert.equal((await getJobDetails(database, lukeId)).job.status, 'SUCCEEDED', 'untouched');
      for (const id of [vaderId, palpatineId]) {
        const details = await getJobDetails(database, id);
        assert.equal(details.job.status, 'NEW');
        assert.equal(details.job.attempt_count, 0, 'fresh attempts');
        assert.equal(details.runs.length, 1, 'its history is kept');
        assert.equal(details.job.last_error_code, 'model_not_found');
      }
    });

    it('work --once processes exactly one job', async () => {
      writeLines(path.join(workspace.directory, 'once.jsonl'), [
        { entity_type: 'planet', entity_id: 'hoth', evidence: ['Hoth is an ice planet.'], priority: 500 },
        { entity_type: 'planet', entity_id: 'dagobah', evidence: ['Dagobah is a swamp planet.'], priority: 501 },
      ]);
      const enqueued = parseJson<EnqueueOutput>(await holocron(workspace, ['enqueue', '-i', interrogation, '--from', 'once.jsonl', '--json']));
      const [hothId, dagobahId] = enqueued.jobs.map((job) => job.id) as [number, number];
      const database = workspace.test.database;
      assert.equal((await jobStats(database)).readyNow, 4, 'Vader, Palpatine, Hoth and Dagobah wait');
      const attemptsBefore = (await jobStats(database)).attempts.total;
      const chatsBefore = simulator.stats().chatsAnswered;

      const summary = parseJson<Record<string, number>>(await work('--once', '--json'));
      assert.equal(summary.claimed, 1);
      assert.equal(summary.succeeded, 1);
      assert.equal((await getJobDetails(database, dagobahId)).job.status, 'SUCCEEDED', 'the highest priority first');
      const stats = await jobStats(database);
      assert.equal(stats.byStatus.NEW, 3, 'the others still wait');
      assert.equal((await getJobDetails(database, hothId)).job.status, 'NEW');
      assert.equal(stats.attempts.total, attemptsBefore + 1);
      assert.equal(simulator.stats().chatsAnswered, chatsBefore + 1);
    });
  });

  describe('holocron db and configuration', { concurrency: false }, () => {
    let directory: string;
    before(() => {
      directory = makeTempDirectory('cli-db');
    });
    after(() => fs.rmSync(directory, { recursive: true, force: true }));

    it('db migrate applies the schema to a fresh file, then finds it up to date; the config file and HOLOCRON_DB choose the database', async () => {
      const fresh = path.join(directory, 'fresh.sqlite');
      const withFile = path.join(directory, 'with-config');
      const badFile = path.join(directory, 'bad-config');
      fs.mkdirSync(withFile);
      fs.mkdirSync(badFile);
      fs.writeFileSync(path.join(withFile, 'holocron.config.json'), JSON.stringify({ database: { url: 'from-file.sqlite' } }));
      fs.writeFileSync(path.join(badFile, 'holocron.config.json'), JSON.stringify({ worker: { concurency: 8 } }));

      const [first, fromFile, badKey] = await Promise.all([
        cli(['--db', fresh, 'db', 'migrate'], { cwd: directory }),
        cli(['db', 'migrate'], { cwd: withFile }),
        cli(['jobs', 'stats'], { cwd: badFile }),
      ]);
      assertSucceeded(first);
      assert.match(first.stdout, new RegExp(`^Applied [a-z]+/\\d{4}-[a-z-]+(, [a-z]+/\\d{4}-[a-z-]+)* to ${escapeRegExp(fresh)}\\.\\n$`));
      assert.ok(fs.existsSync(fresh));
      assertSucceeded(fromFile);
      assert.match(fromFile.stdout, new RegExp(`^Applied .* to ${escapeRegExp(path.join(withFile, 'from-file.sqlite'))}\\.\\n$`));
      assert.ok(fs.existsSync(path.join(withFile, 'from-file.sqlite')), 'relative to the config file');
      assertRefused(badKey, /unknown key "worker\.concurency"/);
      assert.ok(badKey.stderr.includes(path.join(badFile, 'holocron.config.json')), badKey.stderr);

      // Again, through HOLOCRON_DB, which beats the config file of the folder.
      const again = await cli(['db', 'migrate'], { cwd: withFile, env: { HOLOCRON_DB: fresh } });
      assertSucceeded(again);
      assert.equal(again.stdout, `${fresh} is up to date (${/Applied (?:.*, )?([a-z]+\/\d{4}-[a-z-]+) to/.exec(first.stdout)![1]}).\n`);
    });

    it('reading commands never migrate: a missing or older schema exits 2 saying to run db migrate; writing commands migrate unless --no-migrate', async () => {
      const missing = path.join(directory, 'missing.sqlite');
      const listed = await cli(['--db', missing, 'jobs', 'list']);
      assertRefused(listed, /no database at .*missing\.sqlite: run `holocron db migrate`/);
      assert.equal(fs.existsSync(missing), false, 'a reading command creates no file');

      // A database made by the earlier code: one migration, under its old global name.
      const older = path.join(directory, 'older.sqlite');
      const made = await openDatabase(older, { migrate: false });
      const migrator = new Migrator({ db: made.db, provider: { getMigrations: async () => ({ '0001-create-queue': createQueueMigration(made.adapter) }) } });
      assert.equal((await migrator.migrateToLatest()).error, undefined);
      await made.close();
      const [stats, shown, work, enqueued] = await Promise.all([
        cli(['--db', older, 'jobs', 'stats']),
        cli(['--db', older, 'jobs', 'show', '1', '--json']),
        cli(['--db', older, 'work', '--drain', '--no-migrate']),
        cli(['--db', older, 'enqueue', '-i', interrogation, '--entity-type', 'character', '--entity-id', 'leia', '--evidence', 'Leia.', '--no-migrate']),
      ]);
      for (const refused of [stats, shown, work, enqueued]) {
        assertRefused(refused, /behind this version of Holocron \(\d+ pending migrations?: (?:[a-z]+\/\d{4}-[a-z-]+, )*queue\/0002-[a-z-]+(?:, [a-z]+\/\d{4}-[a-z-]+)*\): run `holocron db migrate`/);
      }
      // enqueue, a writing command, migrates by default (and renames the old record).
      const added = await cli(['--db', older, 'enqueue', '-i', interrogation, '--entity-type', 'character', '--entity-id', 'leia', '--evidence', 'Leia.']);
      assertSucceeded(added);
      const counted = await cli(['--db', older, 'jobs', 'stats', '--json']);
      assert.equal(parseJson<JobStats>(counted).total, 1);
      const again = await cli(['--db', older, 'db', 'migrate']);
      assert.match(again.stdout, /is up to date \([a-z]+\/\d{4}-[a-z-]+\)\.\n$/);
    });

    it('enqueues a job of another kind with a parent link, refuses an unknown kind, and a worker runs it', async () => {
      const file = path.join(directory, 'kinds.sqlite');
      const parent = await cli(['--db', file, 'enqueue', '--kind', 'noop', '--input', '{"step":1}', '--json']);
      const parentId = parseJson<EnqueueOutput>(parent).jobs[0]!.id;
      const [child, unknown, noParent] = await Promise.all([
        cli(['--db', file, 'enqueue', '--kind', 'noop', '--input', '{"step":2}', '--parent-job-id', String(parentId), '--json']),
        cli(['--db', file, 'enqueue', '--kind', 'nonesuch', '--input', '{}']),
        cli(['--db', file, 'enqueue', '--kind', 'noop', '--parent-job-id', '424242']),
      ]);
      const childId = parseJson<EnqueueOutput>(child).jobs[0]!.id;
      assertRefused(unknown, /unknown job kind "nonesuch"; known: interrogation, noop/);
      assertRefused(noParent, /parent-job-id: no job has the id 424242/);
      const worked = await cli(['--db', file, '--lake-root', path.join(directory, 'kinds-lake'), 'work', '--drain', '--json']);
      assert.equal(parseJson<{ succeeded: number }>(worked).succeeded, 2);
      const shown = parseJson<JobDetails>(await cli(['--db', file, 'jobs', 'show', String(childId), '--json']));
      assert.deepEqual([shown.job.kind, shown.job.parentJobId, shown.attempts.map((attempt) => attempt.status)], ['noop', parentId, ['SUCCEEDED']]);
    });

    it('enqueues and counts on PostgreSQL with --db postgres://…', async () => {
      const postgres = await createWorkspace('postgres');
      try {
        const enqueued = await holocron(postgres, [
          'enqueue', '-i', interrogation, '--entity-type', 'character', '--entity-id', 'han_solo',
          '--evidence', 'Han Solo flew the Millennium Falcon.', '--evidence-file', 'luke.txt', '--priority', '42', '--json',
        ]);
        const id = parseJson<EnqueueOutput>(enqueued).jobs[0]!.id;
        const counted = parseJson<JobStats>(await holocron(postgres, ['jobs', 'stats', '--json']));
        assert.equal(counted.total, 1);
        assert.equal(counted.byStatus.NEW, 1);
        const job = (await getJobDetails(postgres.test.database, id)).job;
        assert.equal(job.priority, 42);
        assert.equal(JSON.parse(job.input).entity_id, 'han_solo');
        assert.deepEqual(JSON.parse(job.evidence_refs!), [{ path: 'luke.txt' }]);
      } finally {
        await destroyWorkspace(postgres);
      }
    });
  });

  describe('holocron --help and usage errors', { concurrency: false }, () => {
    it('prints help for the root and every command, listing its options, and exits 0 (in-process parse)', async () => {
      // What each help must show: options, arguments, sub-commands, examples.
      const expected: Record<string, string[]> = {
        '': ['--config <file>', '--db <url>', '--lake-root <dir>', '--evidence-root <dir>', '--interrogations <dir>', '-v, --verbose', 'enqueue', 'work', 'jobs', 'db', 'config', 'sim', 'demo', 'eval', 'runs', 'projects'],
        enqueue: [
          '-i, --interrogation <key>', '--entity-type <type>', '--entity-id <id>', '--evidence <text>', '--evidence-file <path>', '--input <json>',
          '--priority <n>', '--model <name>', '--max-attempts <n>', '--dedupe-key <key>', '--run-label <label>', '--delay-seconds <s>',
          '--from <file>', '--json', 'Examples:', 'A JSONL line:',
        ],
        work: [
          '--once', '--drain', '--loop', '-c, --concurrency <n>', '--prefetch <n>', '--worker-id <id>', '--poll-seconds <s>',
          '--lease-seconds <s>', '--busy-budget-seconds <s>', '--max-wait-seconds <s>', '--model <name>', '--ollama-url <url>', '--backend <kind>', '--base-url <url>', '--openai-server <name>', '--stream', '--no-stream', '--keep-alive <duration>', '--json',
        ],
        jobs: ['list', 'stats', 'show', 'retry', 'redrive', 'purge', 'failures'],
        'jobs purge': ['--status <status>', '--older-than <age>', '--dry-run', '--json'],
        'jobs failures': ['--by <what>', 'field', 'model', 'interrogation', '-i, --interrogation <key>', '--model <name>', '--run-label <label>', '--limit <n>', '--json'],
        'jobs list': ['--status <status>', 'DEADLETTER', '-i, --interrogation <key>', '--run-label <label>', '--limit <n>', '--before-id <id>', '--json'],
        'jobs stats': ['--run-label <label>', '--json'],
        'jobs show': ['<id>', '--json'],
        'jobs retry': ['<id>', '--json'],
        'jobs redrive': ['-i, --interrogation <key>', '--error-code <code>', '--run-label <label>', '--json'],
        db: ['migrate', 'init', 'health'],
        config: ['show'],
        'config show': ['--concurrency <n>', '--ollama-url <url>', '--no-stream', '--json', 'HOLOCRON_CONCURRENCY'],
        'db migrate': ['Apply pending migrations', '[file]'],
        sim: [
          '--host <host>', '--port <number>', '--models <names>', '--latency-ms <ms>', '--tokens-per-second <rate>', '--load-ms <ms>',
          '--parallel <count>', '--max-queue <count>', '--fault-server-error <rate>', '--fault-drop-connection <rate>',
          '--fault-invalid-json <rate>', '--fault-schema-violation <rate>', '--fault-truncated <rate>', '--fault-model-not-found <rate>',
          '--fault-stream-error <rate>', '--fault-rate-limited <rate>', '--fault-seed <number>', '--protocol <name>', '--flavor <name>', '--retry-after-seconds <s>',
        ],
        demo: ['--dir <dir>', '--no-faults', '--latency-ms <ms>', '--ollama-url <url>', '--model <name>'],
        docs: ['show', 'latest', 'list', 'usage', 'lineage', 'backfill'],
        'docs show': ['<docId>', '--json'],
        'docs latest': ['--logical-key <key>', '--task-id <id>', '--stage <stage>', '--source <id>', '--template <id>', '--model <id>', '--json'],
        'docs list': ['--run-label <label>', '--stage <stage>', '--status <status>', '--model <id>', '--template <id>', '--stale', '--before <docId>', '--limit <n>', '--json'],
        'docs usage': ['--by <what>', '--run-label <label>', '--stage <stage>', '--json'],
        'docs lineage': ['<docId>', '--json'],
        'docs backfill': ['--data-root <dir>', '--stage <stage>', '--run-id <label>', '--link', '--dry-run', '--json'],
        'db init': ['Create the database'],
        'db health': ['--json'],
        eval: ['run', 'score'],
        'eval run': ['--dataset <file>', '-i, --interrogation <key>', '--model <name>', '--project <name>', '--tag <tag>', '--created-by <who>', '--name <name>', '--repeats <n>', '--match-list <path:key>', '--drain', '--json'],
        'eval score': ['<run>', '--json'],
        runs: ['list', 'search', 'show', 'items', 'compare', 'delete', 'export', 'import'],
        'runs list': ['--project <name>', '--dataset <name>', '--model <name>', '--status <status>', '--tag <tag>', '--since <date>', '--before <date>', '--metric <bound>', '--sort <key>', '--limit <n>', '--offset <n>', '--json'],
        'runs search': ['<query>', '--explain', '--json'],
        'runs show': ['<run>', '--worst <n>', '--json'],
        'runs items': ['<run>', '--where <query>', '--explain', '--json'],
        'runs compare': ['<runs...>', '--baseline <run>', '--fail-on-regression', '--metric <name>', '--min-delta <d>', '--json'],
        'runs delete': ['<run>'],
        'runs export': ['<runs...>', '--output <file>'],
        'runs import': ['<file>'],
        projects: ['list'],
        'projects list': ['--json'],
        pipeline: ['run', 'status', 'rebuild'],
        'pipeline run': ['[file]', '--example <name>', '--inputs <file>', '--run-label <label>', '--json', 'Example:'],
        'pipeline status': ['--run-label <label>', '--json'],
        'pipeline rebuild': ['--stale', '--run-label <label>', '--dry-run', '--json'],
        serve: [],
        cache: ['explain'],
        'cache explain': ['<job>', '--json'],
        replay: ['<attempt>', '--endpoint <url>', '--model <name>', '--rebuild', '--json'],
        diff: ['<first>', '<second>', '--json'],
        lake: ['fsck', 'gc'],
        'lake fsck': ['--quick', '--repair', '--json'],
        'lake gc': ['--dry-run', '--json'],
      };
      const commands = everyCommand(createProgram());
      assert.deepEqual(commands.map((entry) => entry.names.join(' ')).sort(), Object.keys(expected).sort());
      for (const { names } of commands) {
        const program = createProgram();
        let output = '';
        for (const { command } of everyCommand(program)) {
          command.configureOutput({ writeOut: (text) => (output += text), writeErr: (text) => (output += text) });
        }
        const error = await program.parseAsync(['node', 'holocron', ...names, '--help']).then(
          () => assert.fail(`holocron ${names.join(' ')} --help did not stop`),
          (thrown: unknown) => thrown,
        );
        const label = `holocron ${names.join(' ')} --help`;
        assert.equal(reportError(error, false), 0, label);
        assert.ok(output.startsWith(`Usage: holocron${names.length > 0 ? ` ${names.join(' ')}` : ''} `), `${label}: ${output}`);
        for (const text of expected[names.join(' ')]!) assert.ok(output.includes(text), `${label} shows ${text}`);
        const command = everyCommand(program).find((entry) => entry.names.join(' ') === names.join(' '))!.command;
        for (const option of command.options) assert.ok(output.includes(option.flags), `${label} lists ${option.flags}`);
        for (const child of command.commands) assert.ok(output.includes(child.name()), `${label} lists ${child.name()}`);
        assert.ok(output.includes('-h, --help'), label);
      }
    });

    it('exits 0 for --help and 2 for an unknown command or option (as a process)', async () => {
      const directory = makeTempDirectory('cli-help');
      try {
        const [root, jobsShow, unknownCommand, unknownOption] = await Promise.all([
          cli(['--help'], { cwd: directory }),
          cli(['jobs', 'show', '--help'], { cwd: directory }),
          cli(['enqueu'], { cwd: directory }),
          cli(['jobs', 'list', '--stauts', 'NEW'], { cwd: directory }),
        ]);
        assertSucceeded(root);
        assert.match(root.stdout, /^Usage: holocron \[options\] \[command\]/);
        for (const text of ['--config <file>', '--db <url>', '--lake-root <dir>', '--evidence-root <dir>', '--interrogations <dir>', '-v, --verbose']) {
          assert.ok(root.stdout.includes(text), `root help lists ${text}`);
        }
        for (const name of ['enqueue', 'work', 'jobs', 'db', 'config', 'sim', 'demo']) assert.match(root.stdout, new RegExp(`^ {2}${name}\\b`, 'm'));
        assertSucceeded(jobsShow);
        assert.match(jobsShow.stdout, /^Usage: holocron jobs show \[options\] <id>\n/);
        assert.match(jobsShow.stdout, /^ {2}--json\s+print JSON$/m);
        assertRefused(unknownCommand, /error: unknown command 'enqueu'/);
        assert.match(unknownCommand.stderr, /Did you mean enqueue\?/);
        assertRefused(unknownOption, /error: unknown option '--stauts'/);
        assert.equal(fs.readdirSync(directory).length, 0, 'no database was created');
      } finally {
        fs.rmSync(directory, { recursive: true, force: true });
      }
    });
  });

  describe('holocron sim', { concurrency: false }, () => {
    let directory: string;
    before(() => {
      directory = makeTempDirectory('cli-sim');
    });
    after(() => fs.rmSync(directory, { recursive: true, force: true }));

    it('serves the Ollama protocol on the port it prints and stops on SIGINT with exit 0', async () => {
      const { child, done } = startCli(['sim', '--port', '0', '--models', 'llama3.2,phi3:mini'], { cwd: directory });
      let stdout = '';
      child.stdout!.on('data', (chunk) => (stdout += chunk));
      try {
        const started = Date.now();
        let url: string | undefined;
        while (!(url = /listening on (http:\/\/\S+)\n/.exec(stdout)?.[1])) {
          assert.ok(Date.now() - started < 30_000, `the simulator did not start: ${stdout}`);
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
        assert.doesNotMatch(url, /:0$/, 'the real port, not 0');
        const [root, tags] = await Promise.all([fetch(`${url}/`), fetch(`${url}/api/tags`)]);
        assert.equal(root.status, 200);
        assert.equal(await root.text(), 'Ollama is running');
        const models = ((await tags.json()) as { models: { name: string }[] }).models.map((model) => model.name).sort();
        assert.deepEqual(models, ['llama3.2:latest', 'phi3:mini']);
      } finally {
        child.kill('SIGINT');
      }
      const result = await done;
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /models: llama3\.2:latest, phi3:mini/, "the names it serves, tags included");
      assert.match(result.stdout, /SIGINT received, closing the simulator\n/);
      assert.match(result.stdout, /chats answered: 0/);
    });

  });
});
