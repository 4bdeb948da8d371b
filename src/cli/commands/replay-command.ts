/**
 * `holocron replay <attempt> [--endpoint URL] [--model M]`: send an attempt's stored request bytes again
 * and record the answer as a new attempt; `holocron replay --rebuild <attempt>`: re-derive the request
 * and prove it is byte for byte the stored one. `holocron diff <a> <b>`: what differs between two attempts.
 */
import { Command } from 'commander';
import { defaultWorkerId } from '../../holocron.ts';
import type { JobRequest } from '../../pipeline/job-request.ts';
import { diffAttempts, type ValueChange } from '../../reproducibility/diff-attempts.ts';
import { rebuildRequest } from '../../reproducibility/rebuild-request.ts';
import { replayAttempt } from '../../reproducibility/replay-attempt.ts';
import { CommandFailedError, UsageError } from '../cli-errors.ts';
import { contextFrom, withHolocron } from '../command-context.ts';

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description('Send an attempt’s stored request bytes again (checked against their sha256) and record the answer as a new attempt; --rebuild re-derives the request and proves it byte for byte')
    .argument('<attempt>', 'attempt id (or a unique prefix)')
    .option('--endpoint <url>', 'send it to this server instead (same path)')
    .option('--model <name>', 'change the body’s model (the bytes are then no longer the stored ones)')
    .option('--rebuild', 're-derive the request from the job input, stored evidence and stored interrogation; send nothing')
    .option('--json', 'print JSON')
    .action(async (attempt: string, flags: { endpoint?: string; model?: string; rebuild?: boolean; json?: boolean }, command: Command) => {
      if (flags.rebuild && (flags.endpoint || flags.model)) throw new UsageError('--rebuild sends nothing: it takes no --endpoint or --model');
      if (flags.endpoint && !/^https?:\/\/[^/]+/.test(flags.endpoint)) throw new UsageError(`--endpoint must be an http(s) URL, not "${flags.endpoint}"`);
      const context = contextFrom(command);
      if (flags.rebuild) {
        const exitCode = await withHolocron(
          context,
          async (holocron) => {
            const report = await rebuildRequest(holocron, attempt);
            if (flags.json) printJson(report);
            else if (report.identical) {
              process.stdout.write(
                `Rebuilt the request of attempt ${report.runId}: byte for byte the lake's ${report.lakePath} (${report.bytes.lake} bytes).\n` +
                  `  from: the job's input, its stored evidence.json, ${report.definition}` +
                  `${report.previousFailure ? `, the previous attempt's rejection (${report.previousFailure.kind})` : ''}\n` +
                  `  taken from the record: ${report.fromRecord.join('; ')}\n`,
              );
            } else {
              const difference = report.firstDifference!;
              process.stdout.write(
                `The rebuilt request of attempt ${report.runId} differs from the lake's ${report.lakePath} ` +
                  `(${report.bytes.lake} vs ${report.bytes.rebuilt} bytes), first at byte ${difference.offset} (line ${difference.line}, column ${difference.column}):\n` +
                  `  lake:    ${JSON.stringify(difference.lake)}\n  rebuilt: ${JSON.stringify(difference.rebuilt)}\n`,
              );
            }
            return report.identical ? 0 : 1;
          },
          { migrate: 'check' },
        );
        if (exitCode !== 0) throw new CommandFailedError(exitCode);
        return;
      }
      await withHolocron(context, async (holocron) => {
        const result = await replayAttempt(
          { ...holocron, enqueue: (requests) => holocron.enqueue(requests as JobRequest[]) },
          attempt,
          { endpoint: flags.endpoint, model: flags.model, workerId: holocron.config.worker.id ?? defaultWorkerId() },
        );
        if (flags.json) printJson(result);
        else {
          process.stdout.write(
            `Replayed attempt ${result.sourceRunId} to ${result.url} (${result.exactBytes ? 'the stored bytes' : 'the stored bytes with another model'}, sha256 ${result.sentSha256.slice(0, 16)}…): ` +
              `new attempt ${result.runId} of job ${result.jobId}, ${result.status}${result.error ? ` [${result.error.code}] ${result.error.message}` : ''}.\n` +
              `  holocron diff ${result.sourceRunId.slice(0, 8)} ${result.runId.slice(0, 8)} shows what changed.\n`,
          );
        }
        if (result.status !== 'SUCCEEDED') throw new CommandFailedError(1);
      });
    });

  program
    .command('diff')
    .description('What differs between two attempts: prompt, schema, options, model identity, endpoint, and which output fields changed')
    .argument('<first>', 'attempt id (or a unique prefix)')
    .argument('<second>', 'attempt id (or a unique prefix)')
    .option('--json', 'print JSON')
    .action(async (first: string, second: string, flags: { json?: boolean }, command: Command) => {
      await withHolocron(
        contextFrom(command),
        async (holocron) => {
          const diff = await diffAttempts(holocron, first, second);
          if (flags.json) return printJson(diff);
          const lines = [`Attempt ${diff.before.runId} (job ${diff.before.jobId}) → ${diff.after.runId} (job ${diff.after.jobId})`];
          lines.push(`  fingerprint: ${diff.sameFingerprint ? 'the same' : `${diff.fingerprints[0]?.slice(0, 16) ?? '-'}… → ${diff.fingerprints[1]?.slice(0, 16) ?? '-'}…`}`);
          lines.push(`  prompt: ${diff.prompt.same ? 'the same' : `${diff.prompt.messages.length} message(s) differ`}`);
          for (const message of diff.prompt.messages) {
            const line = message.firstDifferentLine;
            lines.push(`    message ${message.index} (${message.role})${line ? `, first at line ${line.line}:\n      - ${line.before}\n      + ${line.after}` : ''}`);
          }
          const show = (name: string, section: { same: boolean; changes: ValueChange[] }) => {
            lines.push(`  ${name}: ${section.same ? 'the same' : `${section.changes.length} difference(s)`}`);
            for (const change of section.changes.slice(0, 50)) {
              lines.push(`    ${change.path} ${change.change}: ${JSON.stringify(change.before) ?? '(none)'} → ${JSON.stringify(change.after) ?? '(none)'}`);
            }
            if (section.changes.length > 50) lines.push(`    … and ${section.changes.length - 50} more (--json shows all)`);
          };
          show('schema', diff.schema);
          show('options', diff.options);
          show('model', diff.model);
          show('endpoint', diff.endpoint);
          show('output', diff.output);
          process.stdout.write(`${lines.join('\n')}\n`);
        },
        { migrate: 'check' },
      );
    });
}
