/** `holocron docs show | latest | list | usage | lineage | backfill`: the documents index. */
import path from 'node:path';
import cliProgress from 'cli-progress';
import { Command, Option } from 'commander';
import { SchemaNotCurrentError } from '../../database/migrate.ts';
import type { HolocronDatabase } from '../../database/open-database.ts';
import { backfillLegacy, BackfillError, type BackfillReport } from '../../documents/backfill-legacy.ts';
import { documentLineage, type LineageNode } from '../../documents/document-lineage.ts';
import { documentUsage } from '../../documents/document-usage.ts';
import { documentStatuses, type DocumentRow, type DocumentStatus } from '../../documents/documents-tables.ts';
import { findStaleDocuments } from '../../documents/find-stale-documents.ts';
import { getDocument } from '../../documents/get-document.ts';
import { currentDefinitions, generationOf } from '../../pipelines/current-definitions.ts';
import { latestDocument, type LatestDocumentQuery } from '../../documents/latest-document.ts';
import { legacyStages, type LegacyStage } from '../../documents/legacy-layout.ts';
import { listDocuments } from '../../documents/list-documents.ts';
import { toDocumentJson } from '../../read-models/document.ts';
import { UsageError } from '../cli-errors.ts';
import { contextFrom, withHolocron } from '../command-context.ts';
import { formatTable, formatTime } from '../format-table.ts';
import { positiveIntegerOption } from '../option-parsers.ts';

/** Reading commands never migrate: a missing or older schema is reported (run `holocron db migrate`). */
const readOnly = { migrate: 'check' } as const;

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A row as printed by --json: meta_small parsed (the read model the HTTP API returns too). */
const documentJson = toDocumentJson;

function documentLines(row: DocumentRow, lakeLocation: string): string {
  const fields: [string, unknown][] = [
    ['doc_id', row.doc_id],
    ['stage', row.stage],
    ['status', row.status],
    ['task', row.task_id],
    ['logical key', row.logical_key_id],
    ['parent', row.parent_doc_id],
    ['supersedes', row.lineage_prev_doc_id],
    ['template', row.template_id],
    ['model', row.model_digest ? `${row.model_id} (${row.model_digest.slice(0, 12)})` : row.model_id],
    ['run label', row.run_label],
    ['parser', row.parser],
    ['tokens', row.usage_prompt_tokens !== null || row.usage_completion_tokens !== null ? `prompt ${row.usage_prompt_tokens ?? '-'}  completion ${row.usage_completion_tokens ?? '-'}  max ${row.usage_max_tokens ?? '-'}` : null],
    ['raw', row.raw_sha256 ? `${row.raw_chars} chars  sha256 ${row.raw_sha256}` : null],
    ['parsed', row.parsed_sha256 ? `${row.parsed_chars} chars  sha256 ${row.parsed_sha256}` : null],
    ['prompt', row.prompt_path],
    ['job', row.job_id !== null ? `${row.job_id} (attempt ${row.attempt_id})` : null],
    ['created', formatTime(row.created_at)],
    ['folder', `${lakeLocation}/${row.doc_dir}`],
    ['metadata', row.meta_small],
  ];
  return fields
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([name, value]) => `${`${name}:`.padEnd(12)} ${String(value)}`)
    .join('\n');
}

const listHeaders = ['doc_id', 'stage', 'status', 'task', 'model', 'tokens', 'created'];
function listRow(row: DocumentRow): (string | number | null)[] {
  const tokens = row.usage_prompt_tokens !== null ? `${row.usage_prompt_tokens}+${row.usage_completion_tokens ?? 0}` : null;
  return [row.doc_id, row.stage, row.status, row.task_id, row.model_id, tokens, formatTime(row.created_at)];
}

export function registerDocsCommand(program: Command): void {
  const docs = program.command('docs').description('The documents index: every produced document, its folder and its lineage');

  docs
    .command('show <docId>')
    .description('One document: its fields and where its folder is')
    .option('--json', 'print JSON')
    .action(async (docId: string, flags: { json?: boolean }, command: Command) => {
      await withHolocron(contextFrom(command), async (holocron) => {
        const row = await getDocument(holocron.database, docId);
        if (!row) throw new UsageError(`no document ${JSON.stringify(docId)}`);
        if (flags.json) return printJson({ ...documentJson(row), folder: `${holocron.lake.location}/${row.doc_dir}` });
        process.stdout.write(`${documentLines(row, holocron.lake.location)}\n`);
      }, readOnly);
    });

  docs
    .command('latest')
    .description('The latest successful attempt of a logical product: by --logical-key, --task-id, or the task keys')
    .option('--logical-key <key>', 'the logical key')
    .option('--task-id <id>', 'the task id (with --stage to narrow it)')
    .option('--stage <stage>', 'the stage')
    .option('--source <id>', 'task keys: the input item (first stage) or the parent logical key')
    .option('--template <id>', 'task keys: the template (interrogation)')
    .option('--model <id>', 'task keys: the model')
    .option('--json', 'print JSON')
    .action(
      async (
        flags: { logicalKey?: string; taskId?: string; stage?: string; source?: string; template?: string; model?: string; json?: boolean },
        command: Command,
      ) => {
        const query = latestQuery(flags);
        await withHolocron(contextFrom(command), async (holocron) => {
          const row = await latestDocument(holocron.database, query);
          if (!row) throw new UsageError('no successful document for that logical product');
          if (flags.json) return printJson(documentJson(row));
          process.stdout.write(`${documentLines(row, holocron.lake.location)}\n`);
        }, readOnly);
      },
    );

  docs
    .command('list')
    .description('List documents, newest first (--stale: the current documents that are stale, with why)')
    .option('--run-label <label>', 'only this run label')
    .option('--stage <stage>', 'only this stage')
    .addOption(new Option('--status <status>', 'only this status').choices([...documentStatuses]))
    .option('--model <id>', 'only this model')
    .option('--template <id>', 'only this template')
    .option('--stale', 'only stale documents, with the reason')
    .option('--before <docId>', 'the page after this doc_id (the last one shown)')
    .option('--limit <n>', 'how many', positiveIntegerOption, 50)
    .option('--json', 'print JSON')
    .action(
      async (
        flags: { runLabel?: string; stage?: string; status?: DocumentStatus; model?: string; template?: string; stale?: boolean; before?: string; limit: number; json?: boolean },
        command: Command,
      ) => {
        await withHolocron(contextFrom(command), async (holocron) => {
          if (flags.stale) {
            const registry = holocron.registry;
            const stale = (
              await findStaleDocuments(holocron.database, {
                runLabel: flags.runLabel,
                stage: flags.stage,
                definitionOf: currentDefinitions(registry, generationOf(holocron.config)),
              })
            ).slice(0, flags.limit);
            if (flags.json) return printJson(stale.map((entry) => ({ ...entry, document: documentJson(entry.document) })));
            if (stale.length === 0) return void process.stdout.write('Nothing is stale.\n');
            process.stdout.write(
              `${formatTable(
                ['doc_id', 'stage', 'task', 'model', 'why'],
                stale.map((entry) => [entry.document.doc_id, entry.document.stage, entry.document.task_id, entry.document.model_id, describeReasons(entry)]),
              )}\n`,
            );
            return;
          }
          const rows = await listDocuments(holocron.database, {
            runLabel: flags.runLabel,
            stage: flags.stage,
            status: flags.status,
            modelId: flags.model,
            templateId: flags.template,
            before: flags.before,
            limit: flags.limit,
          });
          if (flags.json) return printJson(rows.map(documentJson));
          if (rows.length === 0) return void process.stdout.write('No documents.\n');
          process.stdout.write(`${formatTable(listHeaders, rows.map(listRow))}\n`);
          if (rows.length === flags.limit) process.stdout.write(`(more: --before ${rows[rows.length - 1]!.doc_id})\n`);
        }, readOnly);
      },
    );

  docs
    .command('usage')
    .description('Token totals by model or by template')
    .addOption(new Option('--by <what>', 'group by').choices(['model', 'template']).default('model'))
    .option('--run-label <label>', 'only this run label')
    .option('--stage <stage>', 'only this stage')
    .option('--json', 'print JSON')
    .action(async (flags: { by: 'model' | 'template'; runLabel?: string; stage?: string; json?: boolean }, command: Command) => {
      await withHolocron(contextFrom(command), async (holocron) => {
        const rows = await documentUsage(holocron.database, { by: flags.by, runLabel: flags.runLabel, stage: flags.stage });
        if (flags.json) return printJson(rows);
        if (rows.length === 0) return void process.stdout.write('No documents.\n');
        process.stdout.write(
          `${formatTable(
            [flags.by, 'documents', 'ok', 'prompt tokens', 'completion tokens'],
            rows.map((row) => [row.key, row.documents, row.ok, row.promptTokens, row.completionTokens]),
          )}\n`,
        );
      }, readOnly);
    });

  docs
    .command('lineage <docId>')
    .description('Ancestors and descendants of a document, as a tree')
    .option('--json', 'print JSON')
    .action(async (docId: string, flags: { json?: boolean }, command: Command) => {
      await withHolocron(contextFrom(command), async (holocron) => {
        const lineage = await documentLineage(holocron.database, docId);
        if (!lineage) throw new UsageError(`no document ${JSON.stringify(docId)}`);
        if (flags.json) return printJson(lineage);
        process.stdout.write(`${formatLineage(lineage.ancestors, lineage.descendants, docId)}\n`);
        if (lineage.truncated) process.stdout.write('(descendants cut short: too many)\n');
      }, readOnly);
    });

  docs
    .command('backfill')
    .description('Index a legacy tree of response files (non-destructive; a second run adds nothing)')
    .option('--data-root <dir>', 'the legacy data folder', 'data')
    .addOption(new Option('--stage <stage>', 'which stages').choices(['all', ...legacyStages]).default('all'))
    .option('--run-id <label>', 'the run label given to the documents (default backfill-YYYYMMDD)')
    .option('--link', 'hard-link files into the documents\' folders instead of copying (copies when it cannot)')
    .option('--dry-run', 'report what would be done; write nothing')
    .option('--json', 'print the report as JSON')
    .action(
      async (flags: { dataRoot: string; stage: 'all' | LegacyStage; runId?: string; link?: boolean; dryRun?: boolean; json?: boolean }, command: Command) => {
        const runLabel = flags.runId ?? `backfill-${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`;
        const context = contextFrom(command);
        const run = async (database: HolocronDatabase | null, lakeLocation: string) => {
          let bar: cliProgress.SingleBar | null = null;
          let report: BackfillReport;
          try {
            report = await backfillLegacy(database, {
              dataRoot: flags.dataRoot,
              lakeRoot: lakeLocation,
              stages: flags.stage === 'all' ? legacyStages : [flags.stage],
              runLabel,
              link: flags.link,
              dryRun: flags.dryRun,
              onScanned: (planned) => {
                if (!flags.dryRun && planned >= 1000 && process.stderr.isTTY) {
                  bar = new cliProgress.SingleBar(
                    { stream: process.stderr, format: 'backfill [{bar}] {percentage}% | {value}/{total} documents | {eta}s left', hideCursor: true },
                    cliProgress.Presets.shades_classic,
                  );
                  bar.start(planned, 0);
                }
              },
              onProgress: (done) => bar?.update(done),
            });
          } catch (error) {
            if (error instanceof BackfillError) throw new UsageError(error.message);
            throw error;
          } finally {
            (bar as cliProgress.SingleBar | null)?.stop();
          }
          printBackfillReport(report, runLabel, lakeLocation, flags.json);
        };
        if (!flags.dryRun) return withHolocron(context, (holocron) => run(holocron.database, holocron.lake.location));
        // A dry run changes nothing, not even the schema: with no index yet, everything would be added.
        try {
          await withHolocron(context, (holocron) => run(holocron.database, holocron.lake.location), readOnly);
        } catch (error) {
          if (!(error instanceof SchemaNotCurrentError)) throw error;
          await run(null, path.resolve(context.config.lake.root));
        }
      },
    );
}

function printBackfillReport(report: BackfillReport, runLabel: string, lakeLocation: string, json: boolean | undefined): void {
  if (json) return printJson(report);
  const verb = report.dryRun ? 'Would add' : 'Added';
  const lines = [
    `${report.dryRun ? 'Dry run: nothing written. ' : ''}Legacy files: ${report.files} in ${report.tasks} tasks → ${report.documents} documents`,
    `${verb} ${report.added} (${Object.entries(report.byStage).map(([stage, count]) => `${stage} ${count}`).join(', ') || 'none'}); already indexed ${report.alreadyIndexed}` +
      (report.dryRun ? '' : `; files linked ${report.linked}, copied ${report.copied}`),
    `Run label: ${runLabel}; folders under ${lakeLocation}/docs/`,
  ];
  if (report.problems.length > 0) {
    lines.push(`Skipped ${report.problems.length}:`);
    for (const problem of report.problems.slice(0, 50)) lines.push(`  ${problem.path}: ${problem.problem}`);
    if (report.problems.length > 50) lines.push(`  … and ${report.problems.length - 50} more (--json lists all)`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

function latestQuery(flags: { logicalKey?: string; taskId?: string; stage?: string; source?: string; template?: string; model?: string }): LatestDocumentQuery {
  if (flags.logicalKey) return { logicalKeyId: flags.logicalKey };
  if (flags.taskId) return { taskId: flags.taskId, stage: flags.stage };
  if (flags.stage && flags.source && flags.template && flags.model) {
    return { taskKeys: { stage: flags.stage, source: flags.source, template: flags.template, model: flags.model } };
  }
  throw new UsageError('give --logical-key, or --task-id, or all of --stage --source --template --model');
}

function describeReasons(entry: Awaited<ReturnType<typeof findStaleDocuments>>[number]): string {
  return entry.reasons
    .map((reason) =>
      reason === 'newer_parent'
        ? `newer parent ${entry.newerParentDocId}`
        : reason === 'ancestor_stale'
          ? `parent ${entry.staleParentDocId} is stale`
          : reason.replace('_', ' '),
    )
    .join('; ');
}

function formatLineage(ancestors: DocumentRow[], descendants: LineageNode, focus: string): string {
  const label = (row: DocumentRow) =>
    `${row.doc_id}  ${row.stage}  ${row.status}  ${row.template_id ?? '-'}  ${row.model_id ?? '-'}${row.doc_id === focus ? '  ◀' : ''}`;
  const lines: string[] = [];
  ancestors.forEach((row, depth) => lines.push(`${'  '.repeat(depth)}${depth > 0 ? '└ ' : ''}${label(row)}`));
  const walk = (node: LineageNode, depth: number) => {
    lines.push(`${'  '.repeat(depth)}${depth > 0 ? '└ ' : ''}${label(node.document)}`);
    for (const child of node.children) walk(child, depth + 1);
  };
  walk(descendants, ancestors.length);
  return lines.join('\n');
}
