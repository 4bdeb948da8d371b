/** `holocron demo`: the end-to-end demo on the embedded default (SQLite + local lake). */
import { Command } from 'commander';
import { runDemo } from '../../demo/run-demo.ts';
import { contextFrom } from '../command-context.ts';
import { addConfigFlags, ollamaFlags } from '../config-flags.ts';
import { positiveNumberOption } from '../option-parsers.ts';

export function registerDemoCommand(program: Command): void {
  const demo = program
    .command('demo')
    .description('Enqueue a Star Wars evidence set, drain it with a worker and print a summary (uses the simulator when no Ollama answers)');
  addConfigFlags(demo, ollamaFlags);
  demo
    .option('--dir <dir>', 'demo folder for its database, lake and evidence (emptied first)', '.holocron/demo')
    .option('--no-faults', 'no injected faults in the simulator')
    .option('--latency-ms <ms>', 'simulated generation time per request', positiveNumberOption, 120)
    .action(async (flags: { dir: string; faults: boolean; latencyMs: number }, command: Command) => {
      const context = contextFrom(command);
      const code = await runDemo(context.config, {
        directory: flags.dir,
        faults: flags.faults,
        latencyMs: flags.latencyMs,
        logger: context.logger,
        write: (text) => process.stdout.write(text),
      });
      process.exitCode = code;
    });
}
