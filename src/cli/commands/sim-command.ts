/**
 * `holocron sim`: runs the Ollama server simulator in the foreground (for demos, benchmarks and manual
 * testing) until SIGINT/SIGTERM, then closes it cleanly. Flag values are validated with the simulator's
 * zod schema; a bad value is reported with the flag's name and exit code 2.
 */
import type { Command } from 'commander';
import type { ZodIssue } from 'zod';
import { normalizeModelName, simulatorOptionsSchema, startSimulator, type SimulatorOptions, type SimulatorStats } from '../../simulator/index.ts';
import { AnswerBookError, readAnswerBook } from '../../simulator/answer-book.ts';

interface SimCommandFlags {
  protocol?: string;
  flavor?: string;
  retryAfterSeconds?: string;
  faultRateLimited?: string;
  answers?: string;
  host: string;
  port: string;
  models?: string;
  latencyMs?: string;
  tokensPerSecond?: string;
  loadMs?: string;
  parallel?: string;
  maxQueue?: string;
  faultServerError?: string;
  faultDropConnection?: string;
  faultInvalidJson?: string;
  faultSchemaViolation?: string;
  faultTruncated?: string;
  faultModelNotFound?: string;
  faultStreamError?: string;
  faultSeed?: string;
}

/** Option path (as zod reports it) → the flag that sets it. */
const flagForOptionPath: Record<string, string> = {
  protocol: '--protocol',
  flavor: '--flavor',
  retryAfterSeconds: '--retry-after-seconds',
  'faults.rateLimited': '--fault-rate-limited',
  host: '--host',
  port: '--port',
  models: '--models',
  latencyMs: '--latency-ms',
  tokensPerSecond: '--tokens-per-second',
  loadMs: '--load-ms',
  parallel: '--parallel',
  maxQueue: '--max-queue',
  'faults.serverError': '--fault-server-error',
  'faults.dropConnection': '--fault-drop-connection',
  'faults.invalidJson': '--fault-invalid-json',
  'faults.schemaViolation': '--fault-schema-violation',
  'faults.truncated': '--fault-truncated',
  'faults.modelNotFound': '--fault-model-not-found',
  'faults.streamError': '--fault-stream-error',
  faultSeed: '--fault-seed',
};

export class SimFlagError extends Error {
  override readonly name = 'SimFlagError';
}

function numberFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  return value.trim() === '' ? Number.NaN : Number(value);
}

function describeIssue(issue: ZodIssue, flags: SimCommandFlags): string {
  const path = issue.path.join('.');
  const flag = flagForOptionPath[path] ?? flagForOptionPath[String(issue.path[0])] ?? path;
  const flagKey = flag.slice(2).replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase()) as keyof SimCommandFlags;
  const given = flags[flagKey];
  const value = given === undefined ? '' : ` "${given}"`;
  return `invalid value${value} for ${flag}: ${issue.message.toLowerCase()}`;
}

/** Turns the raw flag strings into validated simulator options; throws SimFlagError naming the flag. */
export function parseSimCommandFlags(flags: SimCommandFlags): SimulatorOptions {
  // `--models llama3.2:latest=0.6,qwen2.5:7b=0.9`: a name, optionally with the accuracy of its known answers.
  const modelEntries = flags.models?.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '') ?? [];
  const accuracy: Record<string, number> = {};
  const models = modelEntries.map((entry) => {
    const at = entry.lastIndexOf('=');
    if (at < 0) return entry;
    const name = entry.slice(0, at).trim();
    const value = entry.slice(at + 1).trim();
    const rate = value === '' ? Number.NaN : Number(value);
    if (!(rate >= 0 && rate <= 1)) throw new SimFlagError(`invalid value "${entry}" for --models: the accuracy after = must be a number from 0 to 1`);
    accuracy[normalizeModelName(name)] = rate;
    return name;
  });
  if (Object.keys(accuracy).length > 0 && !flags.answers) throw new SimFlagError('--models NAME=ACCURACY needs --answers FILE (the accuracy is of those answers)');
  let answers: { key: string; answer: unknown }[] | undefined;
  if (flags.answers) {
    try {
      answers = readAnswerBook(flags.answers);
    } catch (error) {
      if (error instanceof AnswerBookError) throw new SimFlagError(`--answers: ${error.message}`);
      throw error;
    }
  }
  const input = {
    protocol: flags.protocol,
    flavor: flags.flavor,
    retryAfterSeconds: numberFlag(flags.retryAfterSeconds),
    host: flags.host,
    port: numberFlag(flags.port),
    models: flags.models === undefined ? undefined : models,
    answers,
    accuracy,
    latencyMs: numberFlag(flags.latencyMs),
    tokensPerSecond: numberFlag(flags.tokensPerSecond),
    loadMs: numberFlag(flags.loadMs),
    parallel: numberFlag(flags.parallel),
    maxQueue: numberFlag(flags.maxQueue),
    faults: {
      serverError: numberFlag(flags.faultServerError),
      dropConnection: numberFlag(flags.faultDropConnection),
      invalidJson: numberFlag(flags.faultInvalidJson),
      schemaViolation: numberFlag(flags.faultSchemaViolation),
      truncated: numberFlag(flags.faultTruncated),
      modelNotFound: numberFlag(flags.faultModelNotFound),
      streamError: numberFlag(flags.faultStreamError),
      rateLimited: numberFlag(flags.faultRateLimited),
    },
    faultSeed: numberFlag(flags.faultSeed),
  };
  const parsed = simulatorOptionsSchema.safeParse(input);
  if (!parsed.success) throw new SimFlagError(parsed.error.issues.map((issue) => describeIssue(issue, flags)).join('; '));
  return parsed.data;
}

function waitForShutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

function describeConfiguration(options: SimulatorOptions): string {
  const timing = options.tokensPerSecond !== undefined ? `${options.tokensPerSecond} tokens/s` : `latency ${options.latencyMs} ms`;
  const faults = Object.entries(options.faults)
    .filter(([, rate]) => rate > 0)
    .map(([kind, rate]) => `${kind}=${rate}`);
  return [
    ...(options.protocol === 'openai' ? [`protocol: OpenAI-compatible (${options.flavor}) at /v1`] : ['protocol: Ollama (and its OpenAI-compatible /v1)']),
    `models: ${options.models.map(normalizeModelName).join(', ')}`,
    `${timing}, load ${options.loadMs} ms, parallel ${options.parallel}, max queue ${options.maxQueue}`,
    `faults: ${faults.length > 0 ? `${faults.join(' ')} (seed ${options.faultSeed})` : 'none'}`,
    ...(options.answers.length > 0
      ? [`known answers: ${options.answers.length}; accuracy ${options.models.map((name) => `${normalizeModelName(name)}=${options.accuracy[normalizeModelName(name)] ?? 1}`).join(' ')}`]
      : []),
  ].join('\n');
}

function describeStats(stats: SimulatorStats): string {
  const faults = Object.entries(stats.faults)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${kind}=${count}`);
  return `chats answered: ${stats.chatsAnswered}, busy (503): ${stats.busyRejections}, faults: ${faults.join(' ') || 'none'}, max concurrent: ${stats.maxConcurrentGenerating}`;
}

async function runSimulator(options: SimulatorOptions): Promise<void> {
  const simulator = await startSimulator(options);
  const what = options.protocol === 'openai' ? `${options.flavor} simulator listening on ${simulator.url}/v1` : `Ollama simulator listening on ${simulator.url}`;
  process.stdout.write(`${what}\n${describeConfiguration(options)}\n`);
  const signal = await waitForShutdownSignal();
  process.stdout.write(`${signal} received, closing the simulator\n`);
  await simulator.close();
  process.stdout.write(`${describeStats(simulator.stats())}\n`);
}

export function registerSimCommand(program: Command): void {
  program
    .command('sim')
    .description('run the LLM server simulator (Ollama, or OpenAI-compatible with --protocol openai; no model weights needed) until interrupted')
    .option('--protocol <name>', 'ollama (native API and its /v1) or openai (an OpenAI-compatible server)', 'ollama')
    .option('--flavor <name>', 'with --protocol openai: llama-server, vllm or openai (error shapes, timings, /health)', 'llama-server')
    .option('--retry-after-seconds <s>', 'Retry-After of 429 answers (and of vllm/openai 503s)', '1')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <number>', 'port to listen on (0 = any free port)', '11434')
    .option('--models <names>', 'comma-separated model names (bare names mean :latest); NAME=0.6 sets the accuracy of known answers', 'llama3.2:latest,qwen2.5:7b')
    .option('--answers <file>', 'known answers keyed by a string the prompt names: {key: answer} JSON, or JSONL {key, answer} / {id, expected} lines')
    .option('--latency-ms <ms>', 'generation time per request once a slot is held', '0')
    .option('--tokens-per-second <rate>', 'derive generation time from the answer length instead of --latency-ms')
    .option('--load-ms <ms>', 'model load delay before the first byte when a model is not loaded', '0')
    .option('--parallel <count>', 'requests generating at once (OLLAMA_NUM_PARALLEL)', '4')
    .option('--max-queue <count>', 'requests allowed to wait for a slot before 503 (OLLAMA_MAX_QUEUE)', '512')
    .option('--fault-server-error <rate>', 'probability of a 500 error', '0')
    .option('--fault-drop-connection <rate>', 'probability of dropping the connection mid-response', '0')
    .option('--fault-invalid-json <rate>', 'probability of content that is not valid JSON', '0')
    .option('--fault-schema-violation <rate>', 'probability of valid JSON that breaks the schema', '0')
    .option('--fault-truncated <rate>', 'probability of done_reason "length" with cut-off JSON', '0')
    .option('--fault-model-not-found <rate>', 'probability of a 404 model not found', '0')
    .option('--fault-stream-error <rate>', 'probability of an error line mid-stream', '0')
    .option('--fault-rate-limited <rate>', 'probability of a 429 with Retry-After', '0')
    .option('--fault-seed <number>', 'seed of the fault sequence', '1')
    .action(async (flags: SimCommandFlags, command: Command) => {
      let options: SimulatorOptions;
      try {
        options = parseSimCommandFlags(flags);
      } catch (error) {
        if (!(error instanceof SimFlagError)) throw error;
        command.error(`holocron sim: ${error.message}`, { exitCode: 2, code: 'holocron.sim.invalidFlag' });
      }
      await runSimulator(options);
    });
}
