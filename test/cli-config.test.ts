/**
 * Configuration through the real command line: precedence (default < file < environment < flag) for
 * every setting that has an environment name, observed with `holocron config show --json` in child
 * processes; every command's setting flags override the configuration only when they are given; and the
 * settings reach the worker (`"ollama": {"stream": false, "keepAlive": "1h30m"}` in a config file is what
 * the model server receives).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Command } from 'commander';
import { configFlagValues, declaredConfigFlags } from '../src/cli/config-flags.ts';
import { createProgram } from '../src/cli/main.ts';
import { defaults } from '../src/config/defaults.ts';
import { environmentVariables } from '../src/config/load-config.ts';
import { createLocalLake } from '../src/lake/local-lake.ts';
import { readJobDetails, type EffectiveConfig, type EnqueueResult, type WorkerRunSummary } from '../src/read-models/index.ts';
import { startSimulator, type RunningSimulator } from '../src/simulator/index.ts';
import { runCli, type CliOptions, type CliResult } from './support/cli-process.ts';
import { createTestDatabase, makeTempDirectory, type TestDatabase } from './support/test-databases.ts';

/** One setting through every layer: a value for the file, the variable's text, and a flag if it has one. */
interface Layered {
  file: unknown;
  environment: string;
  /** The environment's text as the setting's value. */
  fromEnvironment: unknown;
  /** The flag and its argument (none for a switch), and the value it sets. */
  flag?: { args: string[]; value: unknown };
}

/** Every variable of `environmentVariables`, by name (the test below checks none is missing). */
const layered: Record<string, Layered> = {
  HOLOCRON_DB: { file: 'from-file.sqlite', environment: 'postgres://holocron:s3cret@db.example:5432/holocron', fromEnvironment: 'postgres://holocron:***@db.example:5432/holocron', flag: { args: ['--db', 'from-flag.sqlite'], value: 'from-flag.sqlite' } },
  HOLOCRON_DB_POOL_SIZE: { file: 2, environment: '6', fromEnvironment: 6 },
  LAKE_ROOT: { file: 'lake-from-file', environment: '/srv/lake', fromEnvironment: '/srv/lake', flag: { args: ['--lake-root', '/flag/lake'], value: '/flag/lake' } },
  HOLOCRON_EVIDENCE_ROOT: { file: 'evidence-from-file', environment: '/srv/evidence', fromEnvironment: '/srv/evidence', flag: { args: ['--evidence-root', '/flag/evidence'], value: '/flag/evidence' } },
  HOLOCRON_INTERROGATIONS_DIR: { file: 'my-interrogations', environment: '/srv/interrogations', fromEnvironment: '/srv/interrogations', flag: { args: ['--interrogations', '/flag/interrogations'], value: '/flag/interrogations' } },
  OLLAMA_BASE_URL: { file: 'http://file.example:11434', environment: 'http://environment.example:11434', fromEnvironment: 'http://environment.example:11434', flag: { args: ['--ollama-url', 'http://flag.example:11434'], value: 'http://flag.example:11434' } },
  OLLAMA_MODEL: { file: 'qwen2.5:7b', environment: 'llama3.2:latest', fromEnvironment: 'llama3.2:latest', flag: { args: ['--model', 'mistral:7b'], value: 'mistral:7b' } },
  OLLAMA_TEMPERATURE: { file: 0.5, environment: '0.7', fromEnvironment: 0.7 },
  OLLAMA_SEED: { file: 7, environment: '42', fromEnvironment: 42 },
  OLLAMA_NUM_CTX: { file: 4096, environment: '8192', fromEnvironment: 8192 },
  OLLAMA_NUM_PREDICT: { file: 256, environment: '512', fromEnvironment: 512 },
  OLLAMA_TIMEOUT_SECONDS: { file: 30, environment: '45', fromEnvironment: 45 },
  HOLOCRON_FIRST_BYTE_TIMEOUT_SECONDS: { file: 600, environment: '900', fromEnvironment: 900 },
  OLLAMA_KEEP_ALIVE: { file: '1h30m', environment: '2h45m30s', fromEnvironment: '2h45m30s', flag: { args: ['--keep-alive', '300'], value: 300 } },
  WORKER_ID: { file: 'file-worker', environment: 'environment-worker', fromEnvironment: 'environment-worker', flag: { args: ['--worker-id', 'flag-worker'], value: 'flag-worker' } },
  HOLOCRON_CONCURRENCY: { file: 2, environment: '8', fromEnvironment: 8, flag: { args: ['--concurrency', '16'], value: 16 } },
  POLL_SECONDS: { file: 5, environment: '2.5', fromEnvironment: 2.5, flag: { args: ['--poll-seconds', '0.25'], value: 0.25 } },
  HOLOCRON_LEASE_SECONDS: { file: 30, environment: '45', fromEnvironment: 45, flag: { args: ['--lease-seconds', '90'], value: 90 } },
  HOLOCRON_BACKEND: { file: 'openai', environment: 'ollama', fromEnvironment: 'ollama', flag: { args: ['--backend', 'openai'], value: 'openai' } },
  HOLOCRON_BASE_URL: { file: 'http://file.example:8080/v1', environment: 'http://environment.example:8080/v1', fromEnvironment: 'http://environment.example:8080/v1', flag: { args: ['--base-url', 'http://flag.example:8080/v1'], value: 'http://flag.example:8080/v1' } },
  HOLOCRON_OPENAI_SERVER: { file: 'vllm', environment: 'openai', fromEnvironment: 'openai', flag: { args: ['--openai-server', 'ollama'], value: 'ollama' } },
  HOLOCRON_CACHE: { file: 'read', environment: 'readwrite', fromEnvironment: 'readwrite' },
  HOLOCRON_BUSY_BUDGET_SECONDS: { file: 300, environment: '120', fromEnvironment: 120, flag: { args: ['--busy-budget-seconds', '60'], value: 60 } },
  HOLOCRON_LOG_LEVEL: { file: 'warn', environment: 'error', fromEnvironment: 'error', flag: { args: ['--verbose'], value: 'debug' } },
};

/** Settings that are paths: a relative one in a config file is relative to the file's folder. */
const pathSettings = new Set(['database.url', 'lake.root', 'evidence.root', 'interrogations.directory']);

/** Sample values for the setting flags that have no environment name, for the per-command audit. */
const otherFlagSamples: Record<string, string[]> = {
  'worker.prefetch': ['--prefetch', '3'],
  'ollama.stream': ['--no-stream'],
  'cache.mode': ['--cache', 'off'],
  'cache.nondeterministic': ['--cache-nondeterministic'],
  'backends.endpoints': ['--endpoint', 'id=gpu-1,url=http://gpu-1:11434'],
};

function getPath(value: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], value);
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
  node[parts.at(-1)!] = value;
}

function assertSucceeded(result: CliResult): void {
  assert.equal(result.code, 0, `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
}

function parseJson<T>(result: CliResult): T {
  assertSucceeded(result);
  return JSON.parse(result.stdout) as T;
}

/** Every command of the program with its path of names, and whether it is a leaf (runs an action). */
function everyCommand(command: Command, names: string[] = []): { names: string[]; command: Command }[] {
  return [{ names, command }, ...command.commands.flatMap((child) => everyCommand(child, [...names, child.name()]))];
}

/** Values for required options that are not settings. */
const requiredOptionSamples: Record<string, string> = { '--older-than': '30d' };

/** Parses argv with the command's action replaced: returns the setting flags it would have applied. */
async function flagsSeenBy(names: string[], args: string[]): Promise<Record<string, { value: unknown; flag: string }>> {
  const program = createProgram();
  const target = everyCommand(program).find((entry) => entry.names.join(' ') === names.join(' '))!.command;
  let seen: Record<string, { value: unknown; flag: string }> | undefined;
  target.action((...parameters: unknown[]) => {
    seen = configFlagValues(parameters.at(-1) as Command);
  });
  const required = target.registeredArguments.filter((argument) => argument.required).map(() => '1');
  // Required options (`jobs purge --older-than`) get a sample value; they set no configuration.
  const requiredOptions = target.options.filter((option) => option.mandatory && option.long !== undefined).flatMap((option) => [option.long!, requiredOptionSamples[option.long!] ?? '1']);
  await program.parseAsync(['node', 'holocron', ...names, ...required, ...requiredOptions, ...args]);
  assert.ok(seen, `holocron ${names.join(' ')} ran`);
  return seen;
}

describe('configuration through the command line', () => {
  let root: string;
  before(() => {
    root = makeTempDirectory('cli-config');
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('covers every setting that has an environment name', () => {
    assert.deepEqual(Object.keys(layered).sort(), Object.keys(environmentVariables).sort());
    const program = createProgram();
    const show = everyCommand(program).find((entry) => entry.names.join(' ') === 'config show')!.command;
    const flagPaths = new Set([...declaredConfigFlags(program), ...declaredConfigFlags(show)].map((flag) => flag.path));
    for (const [name, setting] of Object.entries(layered)) {
      assert.equal(setting.flag !== undefined, flagPaths.has(environmentVariables[name]!.path), `${name}: a flag exactly when config show has one`);
    }
  });

  it('default < config file < environment < flag, for every setting with an environment name (config show --json)', async () => {
    const empty = path.join(root, 'empty');
    const withFile = path.join(root, 'with-file');
    fs.mkdirSync(empty);
    fs.mkdirSync(withFile);
    const file: Record<string, unknown> = {};
    for (const [name, setting] of Object.entries(layered)) setPath(file, environmentVariables[name]!.path, setting.file);
    const configFile = path.join(withFile, 'holocron.config.json');
    fs.writeFileSync(configFile, JSON.stringify(file, null, 2));
    const environment = Object.fromEntries(Object.entries(layered).map(([name, setting]) => [name, setting.environment]));
    const blankEnvironment = Object.fromEntries(Object.keys(layered).map((name) => [name, '']));
    const flagArgs = Object.values(layered).flatMap((setting) => setting.flag?.args ?? []);

    const show = (cwd: string, args: string[] = [], options: CliOptions = {}) => runCli(['config', 'show', '--json', ...args], { cwd, ...options });
    const [nothing, fromFile, fromEnvironment, fromFlags] = (
      await Promise.all([
        // Empty variables are not set: this is the defaults.
        show(empty, [], { env: blankEnvironment }),
        show(withFile),
        show(withFile, [], { env: environment }),
        show(withFile, flagArgs, { env: environment }),
      ])
    ).map((result) => parseJson<EffectiveConfig>(result)) as [EffectiveConfig, EffectiveConfig, EffectiveConfig, EffectiveConfig];

    assert.equal(nothing.configFile, null);
    for (const [key, setting] of Object.entries(nothing.settings)) {
      assert.deepEqual(setting.value, getPath(defaults, key), `${key} default`);
      assert.equal(setting.source, 'default', key);
      assert.equal(setting.from, null, key);
    }
    for (const shown of [fromFile, fromEnvironment, fromFlags]) assert.equal(shown.configFile, configFile);

    for (const [name, setting] of Object.entries(layered)) {
      const key = environmentVariables[name]!.path;
      const inFile = pathSettings.has(key) ? path.join(withFile, String(setting.file)) : setting.file;
      assert.notDeepEqual(setting.file, getPath(defaults, key), `${key}: the file's value is not the default`);
      assert.equal(nothing.settings[key]!.environment, name);
      assert.deepEqual(fromFile.settings[key], { value: inFile, source: 'file', from: configFile, environment: name }, `${key}: the file beats the default`);
      assert.deepEqual(
        fromEnvironment.settings[key],
        { value: setting.fromEnvironment, source: 'environment', from: name, environment: name },
        `${key}: ${name} beats the file`,
      );
      assert.deepEqual(
        fromFlags.settings[key],
        setting.flag
          ? { value: setting.flag.value, source: 'flag', from: setting.flag.args[0], environment: name }
          : fromEnvironment.settings[key],
        `${key}: ${setting.flag ? `${setting.flag.args[0]} beats ${name}` : 'has no flag'}`,
      );
    }
  });

  it('refuses a bad duration from the file or a flag, naming its source (exit 2)', async () => {
    const folder = path.join(root, 'bad-duration');
    fs.mkdirSync(folder);
    const emptyFolder = path.join(root, 'bad-flag');
    fs.mkdirSync(emptyFolder);
    fs.writeFileSync(path.join(folder, 'holocron.config.json'), JSON.stringify({ ollama: { keepAlive: 'an hour' } }));
    const [fromFile, fromFlag] = await Promise.all([
      runCli(['config', 'show'], { cwd: folder }),
      runCli(['work', '--drain', '--keep-alive', '1x'], { cwd: emptyFolder }),
    ]);
    for (const result of [fromFile, fromFlag]) {
      assert.equal(result.code, 2, result.stderr);
      assert.equal(result.stdout, '');
    }
    assert.match(fromFile.stderr, /holocron\.config\.json \(ollama\.keepAlive\): a duration such as "5m" or "1h30m".*\(got "an hour"\)/);
    assert.match(fromFlag.stderr, /option '--keep-alive <duration>' argument '1x' is invalid\. must be a duration/);
    assert.deepEqual(fs.readdirSync(emptyFolder), [], 'no database was created');
  });

  it('every command applies a setting flag only when it is given, and then exactly that setting', async () => {
    const program = createProgram();
    const samples: Record<string, string[]> = { ...otherFlagSamples };
    for (const [name, setting] of Object.entries(layered)) if (setting.flag) samples[environmentVariables[name]!.path] = setting.flag.args;
    const leaves = everyCommand(program).filter((entry) => entry.command.commands.length === 0 && entry.names.length > 0);
    for (const { names, command } of leaves) {
      const label = `holocron ${names.join(' ')}`;
      assert.deepEqual(await flagsSeenBy(names, []), {}, `${label} with no flags applies no setting (defaults do not count as given)`);
      const declared = [...declaredConfigFlags(program), ...declaredConfigFlags(command)];
      for (const flag of declared) {
        const args = flag.flags.startsWith('--stream') ? ['--stream'] : samples[flag.path];
        assert.ok(args, `${label}: a sample value for ${flag.flags} (add it to this test)`);
        const seen = await flagsSeenBy(names, args);
        assert.deepEqual(Object.keys(seen), [flag.path], `${label} ${args.join(' ')} sets ${flag.path} only`);
      }
    }
    // Not a setting: the job's own model, priority and attempts.
    assert.deepEqual(await flagsSeenBy(['enqueue'], ['--model', 'qwen2.5:7b', '--priority', '5', '--max-attempts', '2']), {});
    assert.deepEqual(await flagsSeenBy(['work'], ['--drain', '--model', 'qwen2.5:7b']), { 'ollama.model': { value: 'qwen2.5:7b', flag: '--model' } });
    assert.deepEqual(await flagsSeenBy(['work'], ['--no-stream']), { 'ollama.stream': { value: false, flag: '--no-stream' } });
    assert.deepEqual(await flagsSeenBy(['work'], ['--stream']), { 'ollama.stream': { value: true, flag: '--stream' } });
    assert.deepEqual(await flagsSeenBy(['jobs', 'list'], ['--db', 'x.sqlite']), { 'database.url': { value: 'x.sqlite', flag: '--db' } });
  });

  describe('settings reach the model server', () => {
    let simulator: RunningSimulator;
    let test: TestDatabase;
    let folder: string;
    before(async () => {
      [simulator, test] = await Promise.all([startSimulator(), createTestDatabase('sqlite')]);
      folder = path.join(root, 'worker');
      fs.mkdirSync(folder);
      fs.writeFileSync(
        path.join(folder, 'holocron.config.json'),
        JSON.stringify({ database: { url: test.url }, ollama: { baseUrl: simulator.url, stream: false, keepAlive: '1h30m' } }),
      );
    });
    after(async () => {
      await simulator?.close();
      await test?.destroy();
    });

    /** The body the worker sent for a job, from its attempt's request.json in the lake. */
    async function sentBody(jobId: number): Promise<Record<string, unknown>> {
      const details = await readJobDetails(test.database, createLocalLake(path.join(folder, 'lake')), jobId);
      assert.equal(details.attempts.length, 1);
      const request = details.attempts[0]!.artifacts.find((artifact) => artifact.type === 'request')!;
      // request.json has one shape on success and failure: the chat request as sent is its `wire`.
      const recorded = JSON.parse(fs.readFileSync(request.path, 'utf8')) as { wire: { body: Record<string, unknown> } | null };
      assert.ok(recorded.wire, 'the chat request went out');
      return recorded.wire.body;
    }

    it('work honours "stream": false and "keepAlive": "1h30m" from the config file; --stream overrides the file', async () => {
      fs.writeFileSync(
        path.join(folder, 'jobs.jsonl'),
        ['hoth', 'endor'].map((id, index) => JSON.stringify({ entity_type: 'planet', entity_id: id, evidence: [`${id} is a planet.`], priority: 200 - index })).join('\n'),
      );
      const [hoth, endor] = parseJson<EnqueueResult>(await runCli(['enqueue', '-i', 'sw_entity_facts_v1', '--from', 'jobs.jsonl', '--json'], { cwd: folder })).jobs;
      assert.equal(parseJson<WorkerRunSummary>(await runCli(['work', '--once', '--json'], { cwd: folder })).succeeded, 1);
      assert.equal(parseJson<WorkerRunSummary>(await runCli(['work', '--once', '--stream', '--json'], { cwd: folder })).succeeded, 1);

      const [fromFile, fromFlag] = await Promise.all([sentBody(hoth!.id), sentBody(endor!.id)]);
      assert.equal(fromFile.stream, false, 'the config file said "stream": false');
      assert.equal(fromFile.keep_alive, '1h30m');
      assert.equal(fromFlag.stream, true, '--stream beats the file');
      assert.equal(fromFlag.keep_alive, '1h30m');
    });
  });
});
