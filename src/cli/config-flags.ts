/**
 * Flags that set configuration, declared per command. A command adds the flags it takes with
 * `addConfigFlags(command, [...])`; `configFlagValues(command)` then returns only the flags that were
 * actually given on the command line (commander's `getOptionValueSource(...) === 'cli'`), so a
 * flag's default — `--no-stream` implies `stream: true` — never hides a value from the config file or
 * the environment. Flags of the parent commands (the root's `--db`, `--lake-root`, …) count too; a
 * command's own flag wins over a parent's for the same setting.
 *
 * To give a command a new setting flag: add a `ConfigFlag` (here when several commands share it, in the
 * command's file otherwise) and pass it to `addConfigFlags`. Never give such a flag a commander
 * default: the default lives in `src/config/defaults.ts`.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseKeepAliveText } from '../durations/go-duration.ts';
import { environmentVariables } from '../config/load-config.ts';
import { endpointOption } from './endpoint-option.ts';
import { integerOption, positiveIntegerOption, positiveNumberOption } from './option-parsers.ts';

export interface ConfigFlag {
  /** commander's flags, e.g. `-c, --concurrency <n>` or `--no-stream`. */
  flags: string;
  description: string;
  /** The configuration path it sets, e.g. `worker.concurrency`. */
  path: string;
  /** Parses the flag's text (a bad value is refused with the flag's name, exit code 2); `previous`: a repeated flag's value so far. */
  parse?: (value: string, previous: unknown) => unknown;
  /** Maps the parsed value to the setting's value (e.g. `--verbose` → `'debug'`). */
  toSetting?: (value: unknown) => unknown;
}

interface DeclaredFlag {
  option: Option;
  definition: ConfigFlag;
}

const declaredFlags = new WeakMap<Command, DeclaredFlag[]>();

/** Adds the flags to the command and remembers which setting each one sets. */
export function addConfigFlags(command: Command, flags: readonly ConfigFlag[]): Command {
  const declared = declaredFlags.get(command) ?? [];
  for (const definition of flags) {
    const variable = Object.entries(environmentVariables).find(([, entry]) => entry.path === definition.path)?.[0];
    const option = new Option(definition.flags, `${definition.description}${variable ? ` (${variable})` : ''}`);
    if (definition.parse) option.argParser(definition.parse);
    command.addOption(option);
    declared.push({ option, definition });
  }
  declaredFlags.set(command, declared);
  return command;
}

/** The configuration flags declared on this command (not its parents). */
export function declaredConfigFlags(command: Command): readonly ConfigFlag[] {
  return (declaredFlags.get(command) ?? []).map((entry) => entry.definition);
}

/**
 * The settings set by flags actually given to this command or its parents, by config path, each
 * labelled with the flag that set it — the shape `loadConfig({ flags })` takes.
 */
export function configFlagValues(command: Command): Record<string, { value: unknown; flag: string }> {
  const values: Record<string, { value: unknown; flag: string }> = {};
  for (let current: Command | null = command; current; current = current.parent) {
    for (const { option, definition } of declaredFlags.get(current) ?? []) {
      const attribute = option.attributeName();
      if (current.getOptionValueSource(attribute) !== 'cli' || definition.path in values) continue;
      const value = current.getOptionValue(attribute);
      // A --x/--no-x pair shares one attribute: label it with the one that set this value.
      if (option.negate !== (value === false)) continue;
      values[definition.path] = { value: definition.toSetting ? definition.toSetting(value) : value, flag: option.long ?? option.flags };
    }
  }
  return values;
}

function keepAliveOption(value: string): number | string {
  const parsed = parseKeepAliveText(value);
  if (parsed === undefined) throw new InvalidArgumentError('must be a duration such as 5m or 1h30m, or a number of seconds (negative: keep loaded)');
  return parsed;
}

/** The root command's: where the data is. */
export const storageFlags: readonly ConfigFlag[] = [
  { flags: '--db <url>', description: 'database: a SQLite file path or postgres://… (default holocron.sqlite)', path: 'database.url' },
  { flags: '--lake-root <dir>', description: 'the lake folder (default ./lake)', path: 'lake.root' },
  { flags: '--evidence-root <dir>', description: 'evidence files are confined to this folder (default .)', path: 'evidence.root' },
  { flags: '--interrogations <dir>', description: 'a folder of your own interrogations (*.json)', path: 'interrogations.directory' },
  { flags: '-v, --verbose', description: 'debug logging', path: 'log.level', toSetting: () => 'debug' },
];

/** The LLM server and how it is called (work, demo). */
export const ollamaFlags: readonly ConfigFlag[] = [
  { flags: '--ollama-url <url>', description: 'the Ollama server', path: 'ollama.baseUrl' },
  { flags: '--model <name>', description: 'model for jobs that name none (the worker\'s default)', path: 'ollama.model' },
];

function choiceOption(choices: readonly string[]): (value: string) => string {
  return (value) => {
    if (!choices.includes(value)) throw new InvalidArgumentError(`must be one of ${choices.join(', ')}`);
    return value;
  };
}

/** The default endpoint's backend (when the configuration lists no endpoints): Ollama's native API or an OpenAI-compatible server. */
export const backendFlags: readonly ConfigFlag[] = [
  { flags: '--backend <kind>', description: 'the LLM server\'s protocol: ollama (native API) or openai (any OpenAI-compatible server)', path: 'backends.kind', parse: choiceOption(['ollama', 'openai']) },
  { flags: '--base-url <url>', description: 'the LLM server\'s URL; for openai with the version path, e.g. http://127.0.0.1:8080/v1', path: 'backends.baseUrl' },
  {
    flags: '--endpoint <spec>',
    description: 'an endpoint of the pool, repeatable: a URL, or id=…,url=…,kind=ollama|openai,models=a+b,max-in-flight=N (sets backends.endpoints)',
    path: 'backends.endpoints',
    parse: endpointOption,
  },
  { flags: '--openai-server <name>', description: 'which OpenAI-compatible server it is, for the schema check: llama-server, vllm, openai, ollama or other', path: 'backends.server', parse: choiceOption(['llama-server', 'vllm', 'openai', 'ollama', 'other']) },
];

export const generationFlags: readonly ConfigFlag[] = [
  { flags: '--stream', description: 'ask for NDJSON streams (the default)', path: 'ollama.stream' },
  { flags: '--no-stream', description: 'ask for whole answers instead of NDJSON streams', path: 'ollama.stream' },
  { flags: '--keep-alive <duration>', description: 'how long the server keeps the model loaded after a call, e.g. 5m, 1h30m, or seconds', path: 'ollama.keepAlive', parse: keepAliveOption },
];

/** How a worker runs. */
export const workerFlags: readonly ConfigFlag[] = [
  { flags: '-c, --concurrency <n>', description: 'LLM calls in flight in this process', path: 'worker.concurrency', parse: positiveIntegerOption },
  { flags: '--prefetch <n>', description: 'jobs claimed ahead of free slots', path: 'worker.prefetch', parse: integerOption },
  { flags: '--worker-id <id>', description: 'this worker\'s name in leases and attempts (default: host-pid)', path: 'worker.id' },
  { flags: '--poll-seconds <s>', description: 'wait between polls of an empty queue', path: 'worker.pollSeconds', parse: positiveNumberOption },
  { flags: '--lease-seconds <s>', description: 'lease on a claimed job, renewed while it runs', path: 'worker.leaseSeconds', parse: positiveNumberOption },
  { flags: '--busy-budget-seconds <s>', description: 'a job whose calls find the server busy this long fails (busy_budget_exceeded)', path: 'backpressure.busyBudgetSeconds', parse: positiveNumberOption },
];

function cacheModeOption(value: string): string {
  if (!['off', 'read', 'write', 'readwrite'].includes(value)) throw new InvalidArgumentError('must be off, read, write or readwrite');
  return value;
}

/** Serving identical calls from the lake (work, eval run, pipeline run). */
export const cacheFlags: readonly ConfigFlag[] = [
  { flags: '--cache <mode>', description: 'the call cache: off, read, write (the default: enter answers, serve none) or readwrite', path: 'cache.mode', parse: cacheModeOption },
  { flags: '--cache-nondeterministic', description: 'also serve calls that sample (temperature > 0 without a seed)', path: 'cache.nondeterministic' },
];
