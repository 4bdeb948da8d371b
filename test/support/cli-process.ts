/** Runs the holocron CLI from source in a child process, as a user would run it. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repository = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tsxLoader = path.join(repository, 'node_modules/tsx/dist/loader.mjs');
const entry = path.join(repository, 'test/support/run-cli.ts');
/**
 * `npm test` builds the package first and sets HOLOCRON_TEST_CLI=built, so each spawned CLI runs the
 * compiled code with plain Node (about 4× less start-up CPU than the tsx loader; the suite spawns
 * hundreds). Run alone, a test file spawns the source through tsx, so a stale build can't mislead.
 */
const builtEntry = path.join(repository, 'bin/holocron.js');
const cliArgv = process.env.HOLOCRON_TEST_CLI === 'built' ? [builtEntry] : ['--import', tsxLoader, entry];

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string>;
  input?: string;
}

/** Starts the CLI; the caller can signal the process and await `done`. */
export function startCli(args: string[], options: CliOptions = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [...cliArgv, ...args], {
    cwd: options.cwd ?? repository,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  child.stdin!.end(options.input ?? '');
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).done;
}
