/**
 * The `holocron` command line: parses argv into options and hands them to the library. Each command
 * lives in `commands/`; errors become messages and exit codes in one place (`cli-errors.ts`).
 */
import fs from 'node:fs';
import { Command } from 'commander';
import { reportError } from './cli-errors.ts';
import { addConfigFlags, storageFlags } from './config-flags.ts';
import { registerCacheCommand } from './commands/cache-command.ts';
import { registerReplayCommand } from './commands/replay-command.ts';
import { registerLakeCommand } from './commands/lake-command.ts';
import { registerConfigCommand } from './commands/config-command.ts';
import { registerDbCommand } from './commands/db-command.ts';
import { registerDemoCommand } from './commands/demo-command.ts';
import { registerDocsCommand } from './commands/docs-command.ts';
import { registerPipelineCommand } from './commands/pipeline-command.ts';
import { registerEnqueueCommand } from './commands/enqueue-command.ts';
import { registerJobsCommand } from './commands/jobs-command.ts';
import { registerRunsCommand } from './commands/runs-command.ts';
import { registerEvalCommand } from './commands/eval-command.ts';
import { registerServeCommand } from './commands/serve-command.ts';
import { registerSimCommand } from './commands/sim-command.ts';
import { registerWorkCommand } from './commands/work-command.ts';

/** The package's version (the same relative path from src/cli and dist/cli). */
function packageVersion(): string {
  const manifest = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

export function createProgram(): Command {
  const program = new Command('holocron')
    .version(packageVersion(), '-V, --version', 'print the version')
    .description('Validated, reproducible, auditable structured data from LLMs: a durable job queue, workers and an audit lake.')
    .option('--config <file>', 'config file (default: ./holocron.config.json if present, or HOLOCRON_CONFIG)')
    .showHelpAfterError()
    .exitOverride();
  addConfigFlags(program, storageFlags);
  registerEnqueueCommand(program);
  registerWorkCommand(program);
  registerJobsCommand(program);
  registerEvalCommand(program);
  registerRunsCommand(program);
  registerDbCommand(program);
  registerConfigCommand(program);
  registerSimCommand(program);
  registerServeCommand(program);
  registerDemoCommand(program);
  registerDocsCommand(program);
  registerPipelineCommand(program);
  registerCacheCommand(program);
  registerReplayCommand(program);
  registerLakeCommand(program);
  program.commands.forEach(function exitOverrideAll(command: Command) {
    command.exitOverride();
    command.commands.forEach(exitOverrideAll);
  });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  exitQuietlyWhenOutputIsClosed();
  const program = createProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    return reportError(error, argv.includes('--verbose') || argv.includes('-v'));
  }
}

/**
 * `holocron jobs list --json | head`: a reader that stops early closes the pipe, and the next write
 * fails with EPIPE. That is not an error of ours; without this, Node prints an unhandled 'error' stack.
 */
let watchingOutput = false;

function exitQuietlyWhenOutputIsClosed(): void {
  if (watchingOutput) return;
  watchingOutput = true;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(0);
  });
}
