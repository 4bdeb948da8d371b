/** `holocron cache explain <job>`: why a job's call hit or missed the call cache. */
import { Command } from 'commander';
import { explainCache } from '../../reproducibility/explain-cache.ts';
import { contextFrom, withHolocron } from '../command-context.ts';
import { positiveIntegerOption } from '../option-parsers.ts';

const readOnly = { migrate: 'check' } as const;

export function registerCacheCommand(program: Command): void {
  const cache = program.command('cache').description('The call cache: identical calls served from the lake');
  cache
    .command('explain')
    .description('Why a job hit or missed the cache: its source, or the nearest earlier call and which fingerprint fields differ')
    .argument('<job>', 'job id', positiveIntegerOption)
    .option('--json', 'print JSON')
    .action(async (jobId: number, flags: { json?: boolean }, command: Command) => {
      await withHolocron(
        contextFrom(command),
        async (holocron) => {
          const explained = await explainCache(holocron.database, jobId);
          if (flags.json) return void process.stdout.write(`${JSON.stringify(explained, null, 2)}\n`);
          const lines = [`Job ${jobId}: ${explained.outcome}${explained.runId ? ` (attempt ${explained.runId})` : ''}`, `  ${explained.reason}`];
          if (explained.fingerprint) lines.push(`  fingerprint ${explained.fingerprint}`);
          if (explained.nearest) {
            const nearest = explained.nearest;
            lines.push(`  nearest earlier call: attempt ${nearest.runId} (job ${nearest.jobId})${nearest.cached ? ', in the cache' : ', not in the cache'}; differs in:`);
            for (const difference of nearest.differences) {
              lines.push(`    ${difference.field}: ${JSON.stringify(difference.before)} → ${JSON.stringify(difference.after)}`);
            }
          }
          process.stdout.write(`${lines.join('\n')}\n`);
        },
        readOnly,
      );
    });
}
