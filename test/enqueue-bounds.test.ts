/**
 * Every value is bounded at the door, the same on both databases: 1,000 seeded, generated bad jobs go
 * through JSONL files (the real CLI) and through `holocron.enqueue`, on SQLite and on PostgreSQL; each is
 * refused with a problem naming its field (and its line), valid jobs mixed in are not enqueued either, and
 * the queue is left exactly as it was. The extremes of every bound are accepted and stored alike.
 * Set HOLOCRON_FUZZ_SEED to replay another seed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openHolocron, type Holocron } from '../src/holocron.ts';
import { JobRequestError, type RequestProblem } from '../src/pipeline/job-request.ts';
import { jobRequestBounds } from '../src/pipeline/job-request-contract.ts';
import { EnqueueFailedError } from '../src/queue/enqueue-jobs.ts';
import { SeededRandom } from '../src/simulator/seeded-random.ts';
import { generateBadJobs, toJsonLine, validJob, type BadJob } from './support/bad-jobs.ts';
import { runCli, type CliResult } from './support/cli-process.ts';
import { createTestDatabase, dialects, makeTempDirectory, type TestDatabase } from './support/test-databases.ts';
import { testConfig } from './support/test-config.ts';

const seed = Number(process.env.HOLOCRON_FUZZ_SEED ?? 20_261_202);
const badJobsPerDialect = 1_000;
const jsonlFiles = 1;

/** Every problem names the job's one bad field (or a part of it: `evidence[3].text`), in a message of sane length. */
function assertNamesField(problems: RequestProblem[], bad: BadJob, where: string): void {
  const context = `${where} (${bad.mutation}, seed ${seed}): ${JSON.stringify(problems).slice(0, 600)}`;
  assert.ok(problems.length > 0, `refused: ${context}`);
  for (const problem of problems) {
    const named =
      bad.field === '' ? problem.field === '' : problem.field === bad.field || problem.field.startsWith(`${bad.field}[`) || problem.field.startsWith(`${bad.field}.`);
    assert.ok(named, `names ${bad.field || 'the job'}: ${context}`);
    if (bad.field === '') assert.match(problem.message, /^a job must be a JSON object, got /, context);
    assert.ok(problem.message.length < 400, `a short message, never the value itself: ${context}`);
    assert.doesNotMatch(problem.message, /invalid input syntax|SQLITE|constraint|violates/i, context);
  }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string | number | undefined): Map<string | number | undefined, T[]> {
  const groups = new Map<string | number | undefined, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

for (const [dialectIndex, dialect] of dialects.entries()) {
  describe(`bad input refused at the door on ${dialect}`, () => {
    let test: TestDatabase;
    let directory: string;
    let evidenceRoot: string;
    let lakeRoot: string;
    let holocron: Holocron;

    /** The whole jobs table, to show a refusal changed nothing. */
    async function snapshot(): Promise<unknown[]> {
      return holocron.database.db.selectFrom('jobs').selectAll().orderBy('id').execute();
    }

    before(async () => {
      test = await createTestDatabase(dialect);
      directory = makeTempDirectory('bounds');
      evidenceRoot = path.join(directory, 'evidence');
      lakeRoot = path.join(directory, 'lake');
      fs.mkdirSync(evidenceRoot);
      fs.writeFileSync(path.join(evidenceRoot, 'luke.txt'), 'Luke Skywalker was born on Tatooine.\n');
      fs.writeFileSync(path.join(directory, 'outside.txt'), 'Not evidence.\n');
      holocron = await openHolocron(testConfig({ 'database.url': test.url, 'lake.root': lakeRoot, 'evidence.root': evidenceRoot }));
      // Something already in the queue, so "unchanged" means more than "still empty".
      await holocron.enqueue(Array.from({ length: 5 }, (_, n) => validJob(n, 'existing')));
    });

    after(async () => {
      await holocron?.close();
      await test?.destroy();
      if (directory) fs.rmSync(directory, { recursive: true, force: true });
    });

    it(`refuses ${badJobsPerDialect} generated bad JSONL jobs through the real CLI, naming field and line, and enqueues none`, async () => {
      const random = SeededRandom.fromNumber(seed + dialectIndex);
      const before = await snapshot();
      const files = Array.from({ length: jsonlFiles }, (_, fileIndex) => {
        const valid = Array.from({ length: 15 }, (_, n) => validJob(n, `file${fileIndex}`));
        const bad = generateBadJobs(random, badJobsPerDialect / jsonlFiles, 'jsonl', valid[0]!.dedupe_key as string);
        // Valid lines first and last: line n of the file is lines[n - 1].
        const lines: { request: unknown; bad?: BadJob }[] = [
          ...valid.slice(0, 10).map((request) => ({ request })),
          ...bad.map((job) => ({ request: job.request, bad: job })),
          ...valid.slice(10).map((request) => ({ request })),
        ];
        const name = `fuzz-${fileIndex}.jsonl`;
        fs.writeFileSync(path.join(directory, name), `${lines.map((line) => toJsonLine(line.request)).join('\n')}\n`);
        return { name, lines, valid };
      });

      const results: CliResult[] = await Promise.all(
        files.map((file) =>
          runCli(['--db', test.url, '--lake-root', lakeRoot, '--evidence-root', evidenceRoot, 'enqueue', '--from', file.name, '--json'], { cwd: directory }),
        ),
      );

      const fieldsSeen = new Set<string>();
      for (const [index, file] of files.entries()) {
        const result = results[index]!;
        assert.equal(result.code, 2, `exit 2 for ${file.name}: ${result.stderr.slice(0, 2000)}`);
        assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
        const printed = JSON.parse(result.stdout) as { enqueued: number; problems: RequestProblem[] };
        assert.equal(printed.enqueued, 0);
        const byLine = groupBy(printed.problems, (problem) => problem.line);
        file.lines.forEach((line, position) => {
          const number = position + 1;
          const problems = byLine.get(number) ?? [];
          if (!line.bad) {
            assert.deepEqual(problems, [], `valid line ${number} of ${file.name} has no problem`);
            return;
          }
          for (const problem of problems) assert.equal(problem.where, `${file.name} line ${number}`);
          assertNamesField(problems, line.bad, `${file.name} line ${number}`);
          fieldsSeen.add(line.bad.field);
        });
        // The message a person reads names the line and the field as well.
        const shown = printed.problems.slice(0, 20);
        assert.ok(result.stderr.startsWith(`holocron: ${printed.problems.length} problems; not valid, nothing was enqueued:\n`), result.stderr.slice(0, 300));
        for (const problem of shown) {
          assert.ok(result.stderr.includes(`  ${problem.where}: ${problem.field ? `${problem.field}: ` : ''}${problem.message}\n`), problem.message);
        }
      }
      assert.ok(fieldsSeen.size >= 14, `the generator reached every field: ${[...fieldsSeen].join(', ')}`);
      assert.deepEqual(await snapshot(), before, 'the queue is unchanged');

      // The valid lines were valid: all-or-nothing held them back, and alone they are enqueued.
      const valid = files.flatMap((file) => file.valid);
      const enqueued = await holocron.enqueue(valid);
      assert.equal(enqueued.filter((job) => !job.deduplicated).length, valid.length);
    });

    it(`refuses ${badJobsPerDialect} generated bad jobs through holocron.enqueue, one call each and all in one call`, async () => {
      const random = SeededRandom.fromNumber(seed + 100 + dialectIndex);
      const valid = Array.from({ length: 10 }, (_, n) => validJob(n, 'library'));
      const bad = generateBadJobs(random, badJobsPerDialect, 'library', valid[0]!.dedupe_key as string);
      const before = await snapshot();

      for (const [index, job] of bad.entries()) {
        // A valid job first (the one whose key duplicates use), then the bad one: the call enqueues neither.
        const error = await holocron.enqueue([valid[0]!, job.request as never]).then(
          () => assert.fail(`job ${index} (${job.mutation}) was accepted`),
          (caught: unknown) => caught,
        );
        assert.ok(error instanceof JobRequestError, `a JobRequestError for ${job.mutation}: ${String(error)}`);
        assert.ok(error.problems.every((problem) => problem.where === 'job 2'), JSON.stringify(error.problems).slice(0, 400));
        assertNamesField(error.problems, job, `alone ${index}`);
        assert.match(error.message, new RegExp(`job 2: ${error.problems[0]!.field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      }

      const all = [...valid, ...bad.map((job) => job.request)] as never[];
      const error = await holocron.enqueue(all).then(() => assert.fail('accepted'), (caught: unknown) => caught);
      assert.ok(error instanceof JobRequestError);
      const byWhere = groupBy(error.problems, (problem) => problem.where);
      valid.forEach((_, index) => assert.equal(byWhere.get(`job ${index + 1}`), undefined, 'no problem with a valid job'));
      bad.forEach((job, index) => assertNamesField(byWhere.get(`job ${valid.length + index + 1}`) ?? [], job, `in one call, job ${valid.length + index + 1}`));
      assert.deepEqual(await snapshot(), before, 'the queue is unchanged');
      assert.equal((await holocron.enqueue(valid)).length, valid.length, 'the valid jobs alone are enqueued');
    });

    it('accepts the extremes of every bound and stores them exactly, as on the other database', async () => {
      const { priority, maxAttempts, delaySeconds } = jobRequestBounds;
      const requests = [
        { ...validJob(1, 'edge'), priority: priority.min, max_attempts: maxAttempts.min, delay_seconds: 0 },
        {
          ...validJob(2, 'edge'),
          priority: priority.max,
          max_attempts: maxAttempts.max,
          delay_seconds: delaySeconds.max,
          model: 'm'.repeat(jobRequestBounds.modelChars),
          run_label: '字'.repeat(jobRequestBounds.runLabelChars),
          // 1,500 UTF-8 bytes: within PostgreSQL's index entry limit.
          dedupe_key: '€'.repeat(jobRequestBounds.dedupeKeyChars),
          evidence: Array.from({ length: jobRequestBounds.evidenceItems }, (_, n) => `fact ${n}`),
        },
        { ...validJob(3, 'edge'), delay_seconds: 0.0015 },
      ];
      const [low, high, fraction] = await holocron.enqueue(requests);
      const rows = await holocron.database.db.selectFrom('jobs').selectAll().where('id', 'in', [low!.id, high!.id, fraction!.id]).orderBy('id').execute();
      const [lowRow, highRow, fractionRow] = rows;
      assert.equal(lowRow!.priority, -1_000_000);
      assert.equal(lowRow!.max_attempts, 1);
      assert.equal(Number(lowRow!.available_at) - Number(lowRow!.created_at), 0);
      assert.equal(highRow!.priority, 1_000_000);
      assert.equal(highRow!.max_attempts, 100);
      assert.equal(Number(highRow!.available_at) - Number(highRow!.created_at), 31_536_000_000, 'a year, in milliseconds');
      assert.equal(highRow!.model_hint, 'm'.repeat(200));
      assert.equal(highRow!.run_label, '字'.repeat(200));
      assert.equal(highRow!.dedupe_key, '€'.repeat(500));
      assert.equal(JSON.parse(highRow!.input).extra_params.evidence.length, 1_000);
      assert.equal(Number(fractionRow!.available_at) - Number(fractionRow!.created_at), 2, 'milliseconds kept (1.5 ms rounds to 2)');
      assert.equal(typeof highRow!.priority, 'number');
    });

    it('refuses a duplicate dedupe key inside one batch, deduplicates against one already stored', async () => {
      const before = await snapshot();
      const error = await holocron
        .enqueue([validJob(1, 'twice'), { ...validJob(2, 'twice'), dedupe_key: 'twice-1' }])
        .then(() => assert.fail('accepted'), (caught: unknown) => caught);
      assert.ok(error instanceof JobRequestError);
      assert.deepEqual(error.problems, [
        { where: 'job 2', field: 'dedupe_key', message: 'the string "twice-1" is also the key of job 1; a dedupe key names one job' },
      ]);
      assert.deepEqual(await snapshot(), before);
      const [stored] = await holocron.enqueue([validJob(0, 'existing')]);
      assert.equal(stored!.deduplicated, true, 'a key already in the queue still deduplicates');
    });

    it('refuses an input that is too big once its evidence is merged in, naming input', async () => {
      const third = Math.ceil(jobRequestBounds.inputJsonChars / 3) + 10;
      const request = { ...validJob(1, 'big'), evidence: ['a'.repeat(third), 'b'.repeat(third), 'c'.repeat(third)] };
      await assert.rejects(holocron.enqueue([request]), (error: unknown) => {
        assert.ok(error instanceof JobRequestError);
        assert.equal(error.problems[0]!.field, 'input');
        assert.match(error.problems[0]!.message, /the input is 2,000,\d{3} characters of JSON; at most 2,000,000/);
        return true;
      });
    });

    it('says in its own words when the database itself fails, and keeps the database message as the cause only', async () => {
      const other = await openHolocron(testConfig({ 'database.url': test.url, 'lake.root': lakeRoot, 'evidence.root': evidenceRoot }));
      await other.database.close();
      await assert.rejects(other.enqueue([validJob(1, 'closed')]), (error: unknown) => {
        assert.ok(error instanceof EnqueueFailedError, String(error));
        assert.match(error.message, /^the database could not store the jobs, nothing was enqueued \(/);
        assert.ok(error.cause instanceof Error);
        return true;
      });
      await assert.rejects(other.enqueue('not a list' as never), /enqueue: takes an array of jobs, got the string "not a list"/);
      await assert.rejects(other.enqueue([null as never]), /job 1: a job must be a JSON object, got null/);
    });
  });
}

describe('enqueue flags take the same path as JSONL lines', () => {
  let test: TestDatabase;
  let directory: string;

  before(async () => {
    test = await createTestDatabase('sqlite');
    directory = makeTempDirectory('bounds-flags');
  });

  after(async () => {
    await test?.destroy();
    if (directory) fs.rmSync(directory, { recursive: true, force: true });
  });

  const enqueue = (...flags: string[]) =>
    runCli(['--db', test.url, '--lake-root', path.join(directory, 'lake'), 'enqueue', '-i', 'sw_entity_facts_v1', '--entity-type', 'character', ...flags], {
      cwd: directory,
    });

  it('refuses out-of-range, non-numeric and blank flag values naming each flag, and accepts the extremes', async () => {
    const [refused, accepted] = await Promise.all([
      enqueue(
        '--entity-id', 'luke_skywalker', '--priority', '1180591620717411303424', '--max-attempts', '0', '--delay-seconds', 'Infinity',
        '--dedupe-key', '', '--run-label', '   ', '--evidence', '',
      ),
      enqueue('--entity-id', 'leia_organa', '--priority', '-1000000', '--max-attempts', '100', '--delay-seconds', '1.5', '--json'),
    ]);
    assert.equal(refused.code, 2, refused.stderr);
    assert.equal(refused.stdout, '');
    assert.equal(
      refused.stderr,
      [
        'holocron: 6 problems; not valid, nothing was enqueued:',
        '  flags: --evidence[0]: must not be empty',
        '  flags: --priority: must be a whole number from -1,000,000 to 1,000,000, got 1.1805916207174113e+21',
        '  flags: --max-attempts: must be a whole number from 1 to 100, got 0',
        '  flags: --dedupe-key: must not be empty',
        '  flags: --run-label: must not be blank (only spaces)',
        '  flags: --delay-seconds: must be a number from 0 to 31,536,000, got the string "Infinity"',
        '',
      ].join('\n'),
    );
    assert.equal(accepted.code, 0, accepted.stderr);
    const id = (JSON.parse(accepted.stdout) as { jobs: { id: number }[] }).jobs[0]!.id;
    const row = await test.database.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.priority, -1_000_000);
    assert.equal(row.max_attempts, 100);
    assert.equal(Number(row.available_at) - Number(row.created_at), 1_500);
    assert.equal(Number((await test.database.db.selectFrom('jobs').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n), 1);
  });
});
