/**
 * The configuration layers — defaults → holocron.config.json → environment → flags — each overriding the
 * one before, and every invalid value reported with where it came from (the file and key, the
 * variable, or the flag).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig, type LoadConfigOptions } from '../src/config/load-config.ts';
import { defaults } from '../src/config/defaults.ts';
import { describeConfig } from '../src/config/describe-config.ts';
import { redactSecret } from '../src/config/redact-secret.ts';

let root: string;
before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'holocron-config-'));
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

let folderCount = 0;

/** A fresh folder, with a holocron.config.json holding `file` when given. */
function folder(file?: unknown): string {
  const directory = path.join(root, `folder-${++folderCount}`);
  fs.mkdirSync(directory);
  if (file !== undefined) writeFile(path.join(directory, 'holocron.config.json'), file);
  return directory;
}

function writeFile(file: string, content: unknown): string {
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

function getPath(value: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], value);
}

/** Runs loadConfig expecting a ConfigError; returns its message. */
function configError(options: LoadConfigOptions): string {
  let caught: unknown;
  try {
    loadConfig(options);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
  return caught.message;
}

/** One setting through every layer: its variable, a value per layer, and the parsed environment value. */
interface Layered {
  variable: string;
  path: string;
  flag: string;
  file: unknown;
  environment: string;
  parsedEnvironment: unknown;
  flagValue: unknown;
}

const layered: Layered[] = [
  { variable: 'OLLAMA_BASE_URL', path: 'ollama.baseUrl', flag: '--ollama-url', file: 'http://file.example:11434', environment: 'http://environment.example:11434', parsedEnvironment: 'http://environment.example:11434', flagValue: 'http://flag.example:11434' },
  { variable: 'OLLAMA_MODEL', path: 'ollama.model', flag: '--model', file: 'qwen2.5:7b', environment: 'llama3.2:latest', parsedEnvironment: 'llama3.2:latest', flagValue: 'mistral:7b' },
  { variable: 'OLLAMA_TIMEOUT_SECONDS', path: 'ollama.timeoutSeconds', flag: '--timeout-seconds', file: 30, environment: '45', parsedEnvironment: 45, flagValue: 60 },
  { variable: 'OLLAMA_TEMPERATURE', path: 'ollama.temperature', flag: '--temperature', file: 0.5, environment: '0.7', parsedEnvironment: 0.7, flagValue: 1.25 },
  { variable: 'POLL_SECONDS', path: 'worker.pollSeconds', flag: '--poll-seconds', file: 5, environment: '2.5', parsedEnvironment: 2.5, flagValue: 0.25 },
  { variable: 'LAKE_ROOT', path: 'lake.root', flag: '--lake-root', file: 'lake-from-file', environment: '/srv/lake', parsedEnvironment: '/srv/lake', flagValue: 'lake-from-flag' },
  { variable: 'WORKER_ID', path: 'worker.id', flag: '--worker-id', file: 'file-worker', environment: 'environment-worker', parsedEnvironment: 'environment-worker', flagValue: 'flag-worker' },
  { variable: 'HOLOCRON_DB', path: 'database.url', flag: '--db', file: 'from-file.sqlite', environment: 'postgres://holocron@db.example:5432/holocron', parsedEnvironment: 'postgres://holocron@db.example:5432/holocron', flagValue: 'from-flag.sqlite' },
  { variable: 'HOLOCRON_CONCURRENCY', path: 'worker.concurrency', flag: '--concurrency', file: 2, environment: '8', parsedEnvironment: 8, flagValue: 16 },
  { variable: 'HOLOCRON_LOG_LEVEL', path: 'log.level', flag: '--verbose', file: 'warn', environment: 'error', parsedEnvironment: 'error', flagValue: 'debug' },
];

/** `{'a.b': 1}` → `{a: {b: 1}}`, as a config file holds it. */
function nested(key: string, value: unknown): Record<string, unknown> {
  return key.split('.').reduceRight<unknown>((inner, part) => ({ [part]: inner }), value) as Record<string, unknown>;
}

const pathSettings = new Set(['database.url', 'lake.root', 'evidence.root', 'interrogations.directory']);

describe('configuration layers', () => {
  it('is the defaults when nothing is set, and reads no file when there is none', () => {
    const loaded = loadConfig({ environment: {}, cwd: folder() });
    assert.equal(loaded.configFile, null);
    assert.deepEqual(loaded.config, defaults);
  });

  for (const setting of layered) {
    it(`${setting.path}: defaults < file < ${setting.variable} < ${setting.flag}`, () => {
      const defaultValue = getPath(defaults, setting.path);
      const withFile = folder(nested(setting.path, setting.file));
      const environment = { [setting.variable]: setting.environment };
      const flags = { [setting.path]: { value: setting.flagValue, flag: setting.flag } };
      const value = (options: LoadConfigOptions) => getPath(loadConfig(options).config, setting.path);

      // A relative path in a config file means relative to the file's folder.
      const fromFile = pathSettings.has(setting.path) ? path.join(withFile, String(setting.file)) : setting.file;
      assert.notEqual(setting.file, defaultValue);
      assert.equal(value({ environment: {}, cwd: folder() }), defaultValue, 'default');
      assert.equal(value({ environment: {}, cwd: withFile }), fromFile, 'the file beats the default');
      assert.equal(value({ environment, cwd: folder() }), setting.parsedEnvironment, 'the environment beats the default');
      assert.equal(value({ environment, cwd: withFile }), setting.parsedEnvironment, 'the environment beats the file');
      assert.equal(value({ environment: {}, flags, cwd: withFile }), setting.flagValue, 'a flag beats the file');
      assert.equal(value({ environment, flags, cwd: withFile }), setting.flagValue, 'a flag beats everything');
      assert.equal(value({ environment: { [setting.variable]: '' }, cwd: withFile }), fromFile, 'an empty variable is not set');
      assert.equal(value({ environment: {}, flags: { [setting.path]: { value: undefined, flag: setting.flag } }, cwd: withFile }), fromFile, 'an absent flag is not set');
    });
  }

  it('overrides only the keys a layer sets, leaving their neighbours alone', () => {
    const cwd = folder({ ollama: { model: 'qwen2.5:7b' }, worker: { concurrency: 2 } });
    const { config } = loadConfig({
      environment: { OLLAMA_BASE_URL: 'http://gpu-box:11434' },
      flags: { 'worker.pollSeconds': { value: 1, flag: '--poll-seconds' } },
      cwd,
    });
    assert.deepEqual(config.ollama, { ...defaults.ollama, model: 'qwen2.5:7b', baseUrl: 'http://gpu-box:11434' });
    assert.deepEqual(config.worker, { ...defaults.worker, concurrency: 2, pollSeconds: 1 });
    assert.deepEqual(config.database, defaults.database);
  });

  it('accepts every section in a file, and null where a setting may be null', () => {
    const cwd = folder({
      database: { url: 'postgres://u@h/db', poolSize: 8 },
      lake: { root: '/data/lake' },
      evidence: { root: 'evidence', maxItemChars: 1000, maxTotalChars: 5000 },
      interrogations: { directory: 'my-interrogations' },
      ollama: { model: null, keepAlive: -1, stream: false, firstByteTimeoutSeconds: 600 },
      worker: { id: null, prefetch: 0, leaseSeconds: 30, shutdownGraceSeconds: 0 },
      retry: { baseDelaySeconds: 0, maxDelaySeconds: 10 },
      queue: { priority: -5, maxAttempts: 1 },
      log: { level: 'silent' },
    });
    const { config } = loadConfig({ environment: {}, cwd });
    assert.equal(config.database.poolSize, 8);
    assert.equal(config.interrogations.directory, path.join(cwd, 'my-interrogations'));
    assert.equal(config.ollama.keepAlive, -1);
    assert.equal(config.ollama.stream, false);
    assert.equal(config.worker.prefetch, 0);
    assert.deepEqual(config.queue, { priority: -5, maxAttempts: 1 });
    assert.equal(config.log.level, 'silent');
  });
});

describe('keep-alive durations', () => {
  it('takes every Go duration Ollama takes, in a file and in OLLAMA_KEEP_ALIVE; a number is seconds', () => {
    for (const duration of ['1h30m', '1.5h', '2h45m30s', '300ms', '90s', '-1m', '0', '5m']) {
      assert.equal(loadConfig({ environment: {}, cwd: folder({ ollama: { keepAlive: duration } }) }).config.ollama.keepAlive, duration, `file ${duration}`);
      assert.equal(loadConfig({ environment: { OLLAMA_KEEP_ALIVE: duration }, cwd: folder() }).config.ollama.keepAlive, duration === '0' ? 0 : duration, `environment ${duration}`);
    }
    assert.equal(loadConfig({ environment: { OLLAMA_KEEP_ALIVE: '300' }, cwd: folder() }).config.ollama.keepAlive, 300);
    assert.equal(loadConfig({ environment: { OLLAMA_KEEP_ALIVE: '-1' }, cwd: folder() }).config.ollama.keepAlive, -1);
    assert.match(configError({ environment: {}, cwd: folder({ ollama: { keepAlive: '1 hour' } }) }), /\(ollama\.keepAlive\): a duration such as "5m" or "1h30m".*\(got "1 hour"\)/);
    assert.match(configError({ environment: {}, cwd: folder({ ollama: { keepAlive: true } }) }), /\(ollama\.keepAlive\)/);
  });
});

describe('finding the configuration file', () => {
  it('reads holocron.config.json from the working folder', () => {
    const cwd = folder({ lake: { root: 'cwd-lake' } });
    const loaded = loadConfig({ environment: {}, cwd });
    assert.equal(loaded.configFile, path.join(cwd, 'holocron.config.json'));
    assert.equal(loaded.config.lake.root, path.join(cwd, 'cwd-lake'));
  });

  it('prefers HOLOCRON_CONFIG (relative to the working folder) over ./holocron.config.json', () => {
    const cwd = folder({ lake: { root: 'cwd-lake' } });
    writeFile(path.join(cwd, 'staging.json'), { lake: { root: 'staging-lake' } });
    const loaded = loadConfig({ environment: { HOLOCRON_CONFIG: 'staging.json' }, cwd });
    assert.equal(loaded.configFile, path.join(cwd, 'staging.json'));
    assert.equal(loaded.config.lake.root, path.join(cwd, 'staging-lake'));
  });

  it('prefers an explicit file (--config) over HOLOCRON_CONFIG, and still lets the environment override it', () => {
    const cwd = folder({ lake: { root: 'cwd-lake' } });
    const elsewhere = writeFile(path.join(folder(), 'production.json'), { lake: { root: 'production-lake' }, worker: { concurrency: 12 } });
    writeFile(path.join(cwd, 'staging.json'), { lake: { root: 'staging-lake' } });
    const loaded = loadConfig({ configFile: elsewhere, environment: { HOLOCRON_CONFIG: 'staging.json', HOLOCRON_CONCURRENCY: '3' }, cwd });
    assert.equal(loaded.configFile, elsewhere);
    assert.equal(loaded.config.lake.root, path.join(path.dirname(elsewhere), 'production-lake'));
    assert.equal(loaded.config.worker.concurrency, 3);
  });

  it('refuses a named file that does not exist, with its absolute path', () => {
    const cwd = folder({ lake: { root: 'cwd-lake' } });
    assert.equal(configError({ configFile: 'missing.json', environment: {}, cwd }), `Config file not found: ${path.join(cwd, 'missing.json')}`);
    assert.equal(configError({ environment: { HOLOCRON_CONFIG: 'gone.json' }, cwd }), `Config file not found: ${path.join(cwd, 'gone.json')}`);
  });
});

describe('configuration errors name their source', () => {
  it('a file that is not JSON, or not a JSON object', () => {
    const broken = folder('{ "ollama": { "model": "qwen2.5:7b", } }');
    const file = path.join(broken, 'holocron.config.json');
    assert.match(configError({ environment: {}, cwd: broken }), new RegExp(`^Config file ${escape(file)} is not valid JSON: `));
    const array = folder([{ ollama: {} }]);
    assert.equal(configError({ environment: {}, cwd: array }), `Config file ${path.join(array, 'holocron.config.json')} must hold a JSON object.`);
  });

  it('an unknown key in the file, named with the file (nested, top-level, several)', () => {
    const typo = folder({ ollama: { modle: 'qwen2.5:7b' } });
    assert.equal(configError({ environment: {}, cwd: typo }), `Config file ${path.join(typo, 'holocron.config.json')}: unknown key "ollama.modle"`);
    const topLevel = folder({ olama: { model: 'qwen2.5:7b' }, verbose: true, worker: { concurency: 2 } });
    const message = configError({ environment: {}, cwd: topLevel });
    assert.ok(message.startsWith(`Config file ${path.join(topLevel, 'holocron.config.json')}: unknown keys `), message);
    for (const key of ['"olama"', '"verbose"', '"worker.concurency"']) assert.ok(message.includes(key), `${message} names ${key}`);
  });

  it('a "__proto__" key is refused as unknown and pollutes nothing', () => {
    const cwd = folder('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}');
    const message = configError({ environment: {}, cwd });
    assert.match(message, /unknown keys "__proto__", "constructor"/);
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype is untouched');
    assert.deepEqual(loadConfig({ environment: {}, cwd: folder() }).config, defaults, 'later loads are unaffected');
  });

  it('a value of the wrong type in the file names the file and the key', () => {
    const cwd = folder({ worker: { concurrency: '8' }, ollama: { model: { name: 'qwen2.5' } } });
    const file = path.join(cwd, 'holocron.config.json');
    const message = configError({ environment: {}, cwd });
    assert.ok(message.startsWith('Invalid configuration:\n'), message);
    assert.ok(message.includes(`${file} (worker.concurrency): Expected number, received string (got "8")`), message);
    assert.ok(message.includes(`${file} (ollama.model): Expected string, received object`), message);
  });

  it('a bad environment variable names the variable and what it was given', () => {
    assert.equal(
      configError({ environment: { OLLAMA_TIMEOUT_SECONDS: 'abc' }, cwd: folder() }),
      'Invalid configuration:\n  environment variable OLLAMA_TIMEOUT_SECONDS: Expected number, received string (got "abc")',
    );
    const cases: [Record<string, string>, RegExp][] = [
      [{ OLLAMA_TIMEOUT_SECONDS: '-5' }, /environment variable OLLAMA_TIMEOUT_SECONDS: Number must be greater than 0 \(got -5\)/],
      [{ OLLAMA_TEMPERATURE: '3' }, /environment variable OLLAMA_TEMPERATURE: Number must be less than or equal to 2 \(got 3\)/],
      [{ POLL_SECONDS: ' ' }, /environment variable POLL_SECONDS: Expected number, received string \(got " "\)/],
      [{ HOLOCRON_CONCURRENCY: '1.5' }, /environment variable HOLOCRON_CONCURRENCY: Expected integer, received float \(got 1\.5\)/],
      [{ OLLAMA_BASE_URL: 'localhost:11434' }, /environment variable OLLAMA_BASE_URL: must be an http:\/\/ or https:\/\/ URL.* \(got "localhost:11434"\)/],
      [{ OLLAMA_BASE_URL: 'ftp://ollama.example' }, /environment variable OLLAMA_BASE_URL: must be an http:\/\/ or https:\/\/ URL/],
      [{ HOLOCRON_LOG_LEVEL: 'loud' }, /environment variable HOLOCRON_LOG_LEVEL: Invalid enum value\..*received 'loud'/],
      [{ OLLAMA_KEEP_ALIVE: 'forever' }, /environment variable OLLAMA_KEEP_ALIVE: a duration such as "5m" or "1h30m", or a number of seconds \(got "forever"\)/],
      [{ OLLAMA_KEEP_ALIVE: '90 minutes' }, /environment variable OLLAMA_KEEP_ALIVE: a duration such as "5m".* \(got "90 minutes"\)/],
      [{ OLLAMA_KEEP_ALIVE: '1h30' }, /environment variable OLLAMA_KEEP_ALIVE: a duration such as "5m".* \(got "1h30"\)/],
    ];
    for (const [environment, expected] of cases) assert.match(configError({ environment, cwd: folder() }), expected);
  });

  it('a bad flag value names the flag, and every problem is listed at once', () => {
    assert.equal(
      configError({ environment: {}, flags: { 'worker.concurrency': { value: 0, flag: '--concurrency' } }, cwd: folder() }),
      'Invalid configuration:\n  flag --concurrency: Number must be greater than 0 (got 0)',
    );
    const message = configError({
      environment: { OLLAMA_TIMEOUT_SECONDS: 'abc' },
      flags: { 'ollama.baseUrl': { value: 'not a url', flag: '--ollama-url' }, 'worker.leaseSeconds': { value: 0.01, flag: '--lease-seconds' } },
      cwd: folder({ queue: { maxAttempts: 0 } }),
    });
    const lines = message.split('\n').slice(1).map((line) => line.trim());
    assert.equal(lines.length, 5, message);
    assert.ok(lines.some((line) => line.startsWith('environment variable OLLAMA_TIMEOUT_SECONDS:')), message);
    assert.ok(lines.some((line) => line === 'flag --ollama-url: Invalid url (got "not a url")'), message);
    assert.ok(lines.some((line) => line.startsWith('flag --ollama-url: must be an http:// or https:// URL')), message);
    assert.ok(lines.some((line) => line.startsWith('flag --lease-seconds: Number must be greater than or equal to 0.05')), message);
    assert.ok(lines.some((line) => line.endsWith('holocron.config.json (queue.maxAttempts): Number must be greater than or equal to 1 (got 0)')), message);
  });

  it('a later layer that corrects a value leaves no error behind', () => {
    const cwd = folder({ worker: { concurrency: 0 } });
    assert.match(configError({ environment: {}, cwd }), /\(worker\.concurrency\): Number must be greater than 0/);
    assert.equal(loadConfig({ environment: { HOLOCRON_CONCURRENCY: '4' }, cwd }).config.worker.concurrency, 4);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('paths in a config file', () => {
  it('relative paths mean relative to the file, absolute ones and URLs are kept', () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'holocron-config-paths-'));
    const nested = path.join(directory, 'settings');
    fs.mkdirSync(nested);
    const file = path.join(nested, 'holocron.config.json');
    fs.writeFileSync(file, JSON.stringify({ database: { url: 'data/q.sqlite' }, lake: { root: '/srv/lake' }, evidence: { root: '../evidence' } }));
    try {
      const { config } = loadConfig({ configFile: file, environment: {}, cwd: os.tmpdir() });
      assert.equal(config.database.url, path.join(nested, 'data/q.sqlite'));
      assert.equal(config.lake.root, '/srv/lake');
      assert.equal(config.evidence.root, path.join(directory, 'evidence'));
      fs.writeFileSync(file, JSON.stringify({ database: { url: 'postgres://root@127.0.0.1:5432/test' } }));
      assert.equal(loadConfig({ configFile: file, environment: {}, cwd: os.tmpdir() }).config.database.url, 'postgres://root@127.0.0.1:5432/test');
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });

  it('a blank model name is refused', () => {
    assert.throws(() => loadConfig({ environment: { OLLAMA_MODEL: '   ' }, cwd: os.tmpdir() }), /OLLAMA_MODEL.*not blank/);
  });
});

describe('config show redacts secrets', () => {
  it('hides passwords in URLs and values named like secrets, at any depth, and nothing else', () => {
    assert.equal(redactSecret('database.url', 'postgres://holocron:s3cret@db.example:5432/holocron'), 'postgres://holocron:***@db.example:5432/holocron');
    assert.equal(redactSecret('database.url', 'postgres://holocron@db.example/holocron'), 'postgres://holocron@db.example/holocron');
    assert.deepEqual(
      redactSecret('backends.endpoints', [
        { id: 'gpu-1', baseUrl: 'https://user:pw@gpu-1.example', apiKey: 'sk-live-123', headers: { Authorization: 'Bearer abc', 'X-Trace': 'on' } },
        { id: 'gpu-2', accessToken: 'tok', maxTokens: 512, tokenBudget: 10, password: '' },
      ]),
      [
        { id: 'gpu-1', baseUrl: 'https://user:***@gpu-1.example', apiKey: '[redacted]', headers: { Authorization: '[redacted]', 'X-Trace': 'on' } },
        { id: 'gpu-2', accessToken: '[redacted]', maxTokens: 512, tokenBudget: 10, password: '' },
      ],
    );
    const described = describeConfig(loadConfig({ environment: { HOLOCRON_DB: 'postgres://u:hunter2@h/db' }, cwd: folder() }));
    assert.deepEqual(described.settings['database.url'], { value: 'postgres://u:***@h/db', source: 'environment', from: 'HOLOCRON_DB', environment: 'HOLOCRON_DB' });
    assert.ok(!JSON.stringify(described).includes('hunter2'));
  });
});

describe('endpoints (backends.endpoints)', () => {
  it('without a list, the ollama section defines one endpoint, "default" (OLLAMA_BASE_URL, --ollama-url)', async () => {
    const { configuredEndpoints } = await import('../src/config/configured-endpoints.ts');
    const fromEnvironment = loadConfig({ environment: { OLLAMA_BASE_URL: 'http://gpu.example:11434' }, cwd: folder() }).config;
    assert.deepEqual(fromEnvironment.backends.endpoints, []);
    assert.deepEqual(configuredEndpoints(fromEnvironment), [{ id: 'default', kind: 'ollama', baseUrl: 'http://gpu.example:11434' }]);
    const fromFlag = loadConfig({ environment: {}, flags: { 'ollama.baseUrl': { value: 'http://flag.example:11434', flag: '--ollama-url' } }, cwd: folder() }).config;
    assert.equal(configuredEndpoints(fromFlag)[0]!.baseUrl, 'http://flag.example:11434');
  });

  it('reads a list from the file; the environment does not replace it', async () => {
    const { configuredEndpoints } = await import('../src/config/configured-endpoints.ts');
    const endpoints = [
      { id: 'gpu-1', kind: 'ollama', baseUrl: 'http://gpu-1:11434', models: ['llama3.2'], maxInFlight: 4, keepAlive: '1h', numCtx: 8192 },
      { id: 'gpu-2', kind: 'ollama', baseUrl: 'http://gpu-2:11434', stream: false, timeoutSeconds: 30, firstByteTimeoutSeconds: 600 },
    ];
    const { config } = loadConfig({ environment: { OLLAMA_BASE_URL: 'http://elsewhere:11434' }, cwd: folder({ backends: { endpoints } }) });
    assert.deepEqual(config.backends.endpoints, endpoints);
    assert.deepEqual(configuredEndpoints(config), endpoints);
  });

  it('names the endpoint and the field of every invalid value', () => {
    const cwd = folder({
      backends: {
        endpoints: [
          { id: 'gpu-1', kind: 'ollama', baseUrl: 'localhost:11434' },
          { id: 'gpu-2', kind: 'ollama', baseUrl: 'http://gpu-2:11434', maxInFlight: 0, models: [] },
          { kind: 'ollama', baseUrl: 'http://x:1' },
          { id: 'gpu-1', kind: 'ollama', baseUrl: 'http://gpu-3:11434', apiKey: 'x' },
          { id: 'gpu-4', kind: 'llamacpp', baseUrl: 'http://gpu-4:8080' },
          { id: 'gpu 5', kind: 'ollama', baseUrl: 'http://gpu-5:11434' },
        ],
      },
    });
    const file = path.join(cwd, 'holocron.config.json');
    const message = configError({ environment: {}, cwd });
    const lines = message.split('\n').slice(1).map((line) => line.trim());
    const expected = [
      `${file}: endpoint "gpu-1" (backends.endpoints[0]) baseUrl: must be an http:// or https:// URL, e.g. http://127.0.0.1:11434 (got "localhost:11434")`,
      `${file}: endpoint "gpu-2" (backends.endpoints[1]) maxInFlight: Number must be greater than 0 (got 0)`,
      `${file}: endpoint "gpu-2" (backends.endpoints[1]) models: list at least one model, or leave "models" out`,
      `${file}: endpoint 3 (backends.endpoints[2]) id: Required`,
      `${file}: endpoint "gpu-1" (backends.endpoints[3]): Unrecognized key(s) in object: 'apiKey'`,
      `${file}: endpoint "gpu-4" (backends.endpoints[4]) kind: Invalid discriminator value. Expected 'ollama' | 'openai' (got "llamacpp")`,
      `${file}: endpoint "gpu 5" (backends.endpoints[5]) id: letters, digits, ".", "_" and "-" (at most 64), e.g. "gpu-1" (got "gpu 5")`,
    ];
    for (const line of expected) assert.ok(lines.includes(line), `missing: ${line}\nin:\n${message}`);
    // Unknown keys stop zod before the list's own check; a valid list with a repeated id is refused too.
    const repeated = folder({ backends: { endpoints: [{ id: 'a', kind: 'ollama', baseUrl: 'http://a:1' }, { id: 'a', kind: 'ollama', baseUrl: 'http://b:1' }] } });
    assert.match(configError({ environment: {}, cwd: repeated }), /endpoint "a" \(backends\.endpoints\[1\]\) id: the id "a" is already used by endpoint 1/);
  });

  it('--ollama-url with a list of endpoints is refused, naming both', () => {
    const cwd = folder({ backends: { endpoints: [{ id: 'gpu-1', kind: 'ollama', baseUrl: 'http://gpu-1:11434' }] } });
    const message = configError({ environment: {}, flags: { 'ollama.baseUrl': { value: 'http://other:11434', flag: '--ollama-url' } }, cwd });
    assert.match(message, /flag --ollama-url: it sets the default endpoint, but the configuration lists its endpoints \("gpu-1" in .*holocron\.config\.json\); change the list instead/);
  });
});
