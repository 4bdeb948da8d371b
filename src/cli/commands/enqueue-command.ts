/**
 * `holocron enqueue`: one job from flags, or many from a JSONL file (one job per line, all in one
 * transaction, a progress bar for big files). Everything is validated before anything is written.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { JobRequestError, type LabelledRequest } from '../../pipeline/job-request.ts';
import { toEnqueueRefusal, toEnqueueResult } from '../../read-models/queue-actions.ts';
import { UsageError } from '../cli-errors.ts';
import { formatSchemaWarnings } from '../../schema-checks/schema-warnings.ts';
import { contextFrom, withHolocron } from '../command-context.ts';
import { collectOption } from '../option-parsers.ts';
import { addConfigFlags, backendFlags } from '../config-flags.ts';

interface EnqueueFlags {
  kind?: string;
  parentJobId?: string;
  interrogation?: string;
  entityType?: string;
  entityId?: string;
  evidence: string[];
  evidenceFile: string[];
  // Numbers stay text here: the job contract checks them, with the same bounds as a JSONL line's.
  priority?: string;
  model?: string;
  maxAttempts?: string;
  dedupeKey?: string;
  runLabel?: string;
  input?: string;
  delaySeconds?: string;
  from?: string;
  json?: boolean;
  /** False with --no-migrate. */
  migrate?: boolean;
}

/** Files with more lines than this get a progress bar. */
const progressBarThreshold = 2_000;

export function registerEnqueueCommand(program: Command): void {
  // The backend flags say which server the jobs are for, so the schema check names what it will not enforce.
  addConfigFlags(program.command('enqueue'), backendFlags)
    .description('Enqueue a job from flags, or many jobs from a JSONL file (--from)')
    .option('-i, --interrogation <key>', 'interrogation key, e.g. sw_entity_facts_v1 (default for --from lines that name none)')
    .option('--entity-type <type>', 'input.entity_type')
    .option('--entity-id <id>', 'input.entity_id')
    .option('--evidence <text>', 'inline evidence text (repeatable)', collectOption, [])
    .option('--evidence-file <path>', 'evidence file, relative to the evidence root, read when the job runs (repeatable)', collectOption, [])
    .option('--input <json>', 'the job input as a JSON object (entity flags and evidence are merged into it)')
    .option('--priority <n>', 'higher runs first, -1000000 to 1000000 (default: the interrogation\'s, else 100)')
    .option('--model <name>', 'model for this job (overrides the worker default)')
    .option('--max-attempts <n>', 'attempts before the job is dead-lettered, 1 to 100')
    .option('--dedupe-key <key>', 'skip if a job with this key exists')
    .option('--run-label <label>', 'group jobs into an experiment')
    .option('--delay-seconds <s>', 'not before this many seconds from now, up to 31536000 (a year)')
    .option('--kind <kind>', 'the job kind (default interrogation; e.g. noop); other kinds take --input and the queue flags')
    .option('--parent-job-id <id>', 'the job that made this one')
    .option('--from <file>', 'JSONL file: one job per line (same fields as the flags, snake_case)')
    .option('--json', 'print the result as JSON (a refusal too: every problem, with its line and field)')
    .option('--no-migrate', 'change no schema: refuse if the database is not migrated (`holocron db migrate`)')
    .addHelpText(
      'after',
      `
Examples:
  holocron enqueue -i sw_entity_facts_v1 --entity-type character --entity-id luke_skywalker \\
      --evidence "Luke Skywalker was born on Tatooine in 19 BBY."
  holocron enqueue -i sw_entity_facts_v1 --from jobs.jsonl

A JSONL line: {"entity_type":"planet","entity_id":"tatooine","evidence":["Tatooine is a desert planet."],"priority":50}
Fields: interrogation, input, entity_type, entity_id, evidence, evidence_files, priority, model,
max_attempts, dedupe_key, run_label, delay_seconds, kind, parent_job_id.`,
    )
    .action(async (flags: EnqueueFlags, command: Command) => {
      const context = contextFrom(command);
      if (flags.from && hasSingleJobFlags(flags)) {
        throw new UsageError('--from takes the jobs from the file; give per-job fields in its lines, not as flags (only --interrogation applies to all)');
      }
      const requests: LabelledRequest[] = flags.from
        ? await readJsonl(flags.from)
        : [{ where: 'flags', request: requestFromFlags(flags), fieldNames: flagNames }];
      await withHolocron(context, async (holocron) => {
        const bar = requests.length >= progressBarThreshold && process.stderr.isTTY ? createBar(requests.length) : null;
        const started = performance.now();
        let results;
        try {
          results = await holocron.enqueue(requests, {
            defaultInterrogation: flags.interrogation,
            onProgress: (written) => bar?.update(written),
            // Keywords the target server will not enforce while decoding: said on stderr, stdout stays the result.
            onSchemaWarnings: (warnings) => {
              for (const line of formatSchemaWarnings(warnings)) process.stderr.write(`${line}\n`);
            },
          });
        } catch (error) {
          // A script gets every problem (the message shows the first 20); the exit code is still 2.
          if (flags.json && error instanceof JobRequestError) {
            process.stdout.write(`${JSON.stringify(toEnqueueRefusal(error.problems))}\n`);
          }
          throw error;
        } finally {
          bar?.stop();
        }
        const seconds = (performance.now() - started) / 1000;
        const added = results.filter((result) => !result.deduplicated);
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(toEnqueueResult(results))}\n`);
        } else if (results.length === 1) {
          const [job] = results;
          process.stdout.write(job!.deduplicated ? `Job ${job!.id} already exists (same dedupe key); nothing added.\n` : `Enqueued job ${job!.id}.\n`);
        } else {
          process.stdout.write(
            `Enqueued ${added.length} jobs` +
              (added.length > 0 ? ` (ids ${added[0]!.id}–${added.at(-1)!.id})` : '') +
              `${results.length - added.length > 0 ? `, ${results.length - added.length} already existed` : ''} in ${seconds.toFixed(2)} s.\n`,
          );
        }
      }, { migrate: flags.migrate === false ? 'check' : true });
    });
}

/** What each job field is called on the command line, so a refusal names the flag the user typed. */
const flagNames: Record<string, string> = {
  kind: '--kind',
  parent_job_id: '--parent-job-id',
  interrogation: '--interrogation',
  input: '--input',
  entity_type: '--entity-type',
  entity_id: '--entity-id',
  evidence: '--evidence',
  evidence_files: '--evidence-file',
  priority: '--priority',
  model: '--model',
  max_attempts: '--max-attempts',
  dedupe_key: '--dedupe-key',
  run_label: '--run-label',
  delay_seconds: '--delay-seconds',
};

function hasSingleJobFlags(flags: EnqueueFlags): boolean {
  return (
    [flags.kind, flags.parentJobId, flags.entityType, flags.entityId, flags.input, flags.priority, flags.model, flags.maxAttempts, flags.dedupeKey, flags.runLabel, flags.delaySeconds].some(
      (value) => value !== undefined,
    ) || flags.evidence.length > 0 || flags.evidenceFile.length > 0
  );
}

/** A flag's text as the number it spells, or the text itself (`abc`, `''`, `NaN`) for the contract to refuse by name. */
function numberFromFlag(text: string | undefined): number | string | undefined {
  if (text === undefined) return undefined;
  return /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(text) ? Number(text) : text;
}

function requestFromFlags(flags: EnqueueFlags): Record<string, unknown> {
  let input: unknown;
  if (flags.input !== undefined) {
    try {
      input = JSON.parse(flags.input);
    } catch (error) {
      throw new UsageError(`--input is not valid JSON: ${(error as Error).message}`);
    }
  }
  const request: Record<string, unknown> = {
    kind: flags.kind,
    parent_job_id: numberFromFlag(flags.parentJobId),
    interrogation: flags.interrogation,
    input,
    entity_type: flags.entityType,
    entity_id: flags.entityId,
    evidence: flags.evidence.length > 0 ? flags.evidence : undefined,
    evidence_files: flags.evidenceFile.length > 0 ? flags.evidenceFile : undefined,
    priority: numberFromFlag(flags.priority),
    model: flags.model,
    max_attempts: numberFromFlag(flags.maxAttempts),
    dedupe_key: flags.dedupeKey,
    run_label: flags.runLabel,
    delay_seconds: numberFromFlag(flags.delaySeconds),
  };
  return Object.fromEntries(Object.entries(request).filter(([, value]) => value !== undefined));
}

async function readJsonl(file: string): Promise<LabelledRequest[]> {
  if (!fs.existsSync(file)) throw new UsageError(`--from: no such file: ${file}`);
  const requests: LabelledRequest[] = [];
  const problems: string[] = [];
  const lines = readline.createInterface({ input: fs.createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let number = 0;
  for await (const line of lines) {
    number++;
    // Editors on Windows often start a UTF-8 file with a byte order mark; it is not part of the JSON.
    const text = number === 1 ? line.replace(/^\uFEFF/, '') : line;
    if (text.trim() === '') continue;
    try {
      requests.push({ where: `${file} line ${number}`, line: number, request: JSON.parse(text) });
    } catch (error) {
      problems.push(`${file} line ${number}: not valid JSON (${(error as Error).message})`);
    }
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 20);
    if (problems.length > 20) shown.push(`… and ${problems.length - 20} more`);
    throw new UsageError(`${problems.length} malformed line${problems.length > 1 ? 's' : ''}, nothing was enqueued:\n  ${shown.join('\n  ')}`);
  }
  if (requests.length === 0) throw new UsageError(`--from: ${file} holds no jobs`);
  return requests;
}

function createBar(total: number): cliProgress.SingleBar {
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'enqueue [{bar}] {percentage}% | {value}/{total} jobs | {eta}s left', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return bar;
}
