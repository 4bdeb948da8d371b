/**
 * `holocron runs list | search | show | items | compare | delete | export | import` and
 * `holocron projects list`: the evaluation store from the command line (thin: flags → library).
 */
import fs from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { evalRunStatuses, type EvalRunStatus } from '../../evaluations/evaluations-tables.ts';
import { compileItemQuery } from '../../evaluations/query/compile-item-query.ts';
import { compileRunQuery } from '../../evaluations/query/compile-run-query.ts';
import { explainQuery } from '../../evaluations/query/explain-query.ts';
import { resolveRunMetric } from '../../evaluations/query/metric-reference.ts';
import { parseInstant, parseQuery } from '../../evaluations/query/parse-query.ts';
import { QueryError } from '../../evaluations/query/query-error.ts';
import type { QueryNode } from '../../evaluations/query/query-tree.ts';
import { regressions } from '../../evaluations/statistics/compare-runs.ts';
import { compareEvalRuns } from '../../evaluations/store/compare-eval-runs.ts';
import { deleteEvalRun } from '../../evaluations/store/delete-eval-run.ts';
import { exportEvalRuns } from '../../evaluations/store/export-eval-runs.ts';
import { getEvalRun, resolveEvalRunId } from '../../evaluations/store/get-eval-run.ts';
import { importEvalRuns, readEvaluationExport } from '../../evaluations/store/import-eval-runs.ts';
import { listEvalItems } from '../../evaluations/store/list-eval-items.ts';
import { listEvalRuns, runSortKeys, type RunSortKey } from '../../evaluations/store/list-eval-runs.ts';
import { listEvalProjects } from '../../evaluations/store/list-eval-projects.ts';
import type { Holocron } from '../../holocron.ts';
import { defaultWorstMetric, toAggregateJson, toEvalItemJson, toEvalRunJson } from '../../read-models/evaluation-views.ts';
import { UsageError } from '../cli-errors.ts';
import { contextFrom, withHolocron } from '../command-context.ts';
import { formatTable, formatTime, truncate } from '../format-table.ts';
import { collectOption, integerOption, positiveIntegerOption } from '../option-parsers.ts';
import { formatComparison } from '../../evaluations/format-comparison.ts';

/** Reading commands never migrate: a missing or older schema is reported (run `holocron db migrate`). */
const readOnly = { migrate: 'check' } as const;

/** `--fail-on-regression` found one: exit 1 (not a usage error). */
export class RegressionGateError extends Error {
  override readonly name = 'RegressionGateError';
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A query parsed for the command line: a malformed one is a usage error showing the column. */
export function parseForCli(text: string): QueryNode {
  try {
    return parseQuery(text);
  } catch (error) {
    if (error instanceof QueryError) throw new UsageError(error.display());
    throw error;
  }
}

function compileForCli<T>(compile: (node: QueryNode, query: string) => T, node: QueryNode, text: string): T {
  try {
    return compile(node, text);
  } catch (error) {
    if (error instanceof QueryError) throw new UsageError(error.display());
    throw error;
  }
}

function field(fieldName: string, value: string): QueryNode {
  return { type: 'field', field: fieldName, operator: '=', value, column: 0 };
}

function nonNegativeIntegerOption(value: string): number {
  const number = integerOption(value);
  if (number < 0) throw new InvalidArgumentError('must be 0 or more');
  return number;
}

function numberOption(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number)) throw new InvalidArgumentError('must be a number');
  return number;
}

interface ListFlags {
  project?: string;
  dataset?: string;
  model?: string;
  status?: EvalRunStatus;
  interrogation?: string;
  createdBy?: string;
  tag?: string[];
  since?: string;
  before?: string;
  metric?: string[];
  sort: RunSortKey;
  asc?: boolean;
  limit: number;
  offset: number;
  json?: boolean;
  explain?: boolean;
}

/** The list flags as query terms (ANDed), so `runs list` and `runs search` share one compiler. */
function flagTerms(flags: ListFlags): QueryNode[] {
  const terms: QueryNode[] = [];
  if (flags.project !== undefined) terms.push(field('project', flags.project));
  if (flags.dataset !== undefined) terms.push(field('dataset', flags.dataset));
  if (flags.model !== undefined) terms.push(field('model', flags.model));
  if (flags.status !== undefined) terms.push(field('status', flags.status));
  if (flags.interrogation !== undefined) terms.push(field('interrogation', flags.interrogation));
  if (flags.createdBy !== undefined) terms.push(field('created_by', flags.createdBy));
  for (const tag of flags.tag ?? []) terms.push(field('tag', tag));
  const now = Date.now();
  for (const [name, value] of [['since', flags.since], ['before', flags.before]] as const) {
    if (value === undefined) continue;
    const instant = parseInstant(value, now);
    if (instant === null) throw new UsageError(`--${name} "${value}" is not a date (2026-11-01, an ISO time, today, yesterday, 7d)`);
    terms.push({ type: 'time', since: name === 'since' ? instant : null, before: name === 'before' ? instant : null, column: 0 });
  }
  for (const bound of flags.metric ?? []) {
    const node = parseForCli(bound);
    if (node.type !== 'compare') throw new UsageError(`--metric "${bound}" must be one comparison, like 'f1>=0.9' or 'p95_latency<2s'`);
    terms.push(node);
  }
  return terms;
}

function addListOptions(command: Command): Command {
  return command
    .option('--project <name>', 'only this project')
    .option('--dataset <name>', 'only this dataset')
    .option('--model <name>', 'only this model')
    .addOption(new Option('--status <status>', 'only runs in this state').choices([...evalRunStatuses]))
    .option('-i, --interrogation <key>', 'only this interrogation')
    .option('--created-by <who>', 'only runs by this person')
    .option('--tag <tag>', 'only runs with this tag (repeat for several: all must match)', collectOption)
    .option('--since <date>', 'created at or after (2026-11-01, ISO time, today, yesterday, 7d)')
    .option('--before <date>', 'created before')
    .option('--metric <bound>', "a metric bound, e.g. 'f1>=0.9', 'p95_latency<2s', 'success_rate>0.8' (repeatable)", collectOption)
    .addOption(new Option('--sort <key>', 'sort by').choices([...runSortKeys]).default('created_at'))
    .option('--asc', 'ascending (default: descending)')
    .option('--limit <n>', 'how many', positiveIntegerOption, 50)
    .option('--offset <n>', 'skip this many (pagination)', nonNegativeIntegerOption, 0)
    .option('--json', 'print JSON');
}

async function printRuns(holocron: Holocron, node: QueryNode, text: string, flags: ListFlags): Promise<void> {
  const where = compileForCli(compileRunQuery, node, text);
  const page = await listEvalRuns(holocron.database, { where, sort: flags.sort, order: flags.asc ? 'asc' : 'desc', limit: flags.limit, offset: flags.offset });
  if (flags.json) return printJson({ total: page.total, offset: flags.offset, limit: flags.limit, runs: page.runs.map(runJson) });
  if (page.runs.length === 0) return void process.stdout.write(`No runs (of ${page.total} matching).\n`);
  process.stdout.write(
    `${formatTable(
      ['id', 'name', 'project', 'model', 'status', 'items', 'success', 'duration', 'created', 'tags'],
      page.runs.map((run) => [
        run.id.slice(0, 8),
        truncate(run.name, 32),
        run.project,
        run.model,
        run.status,
        run.item_count,
        run.success_rate === null ? null : `${(run.success_rate * 100).toFixed(1)}%`,
        run.duration_ms === null ? null : `${(Number(run.duration_ms) / 1000).toFixed(1)} s`,
        formatTime(Number(run.created_at)),
        run.tags.join(',') || null,
      ]),
    )}\n${page.runs.length} of ${page.total} run${page.total === 1 ? '' : 's'}${flags.offset > 0 ? ` from ${flags.offset + 1}` : ''}.\n`,
  );
}

const runJson = toEvalRunJson;

export function registerRunsCommand(program: Command): void {
  const runs = program.command('runs').description('Evaluation runs: list, search, show, compare, export and import');

  addListOptions(runs.command('list').description('List evaluation runs, newest first, with filters, sorting and pagination')).action(async (flags: ListFlags, command: Command) => {
    const terms = flagTerms(flags);
    const node: QueryNode = terms.length === 0 ? { type: 'all', column: 0 } : terms.length === 1 ? terms[0]! : { type: 'and', children: terms, column: 0 };
    await withHolocron(contextFrom(command), (holocron) => printRuns(holocron, node, '', flags), readOnly);
  });

  addListOptions(
    runs
      .command('search')
      .description('Search runs: "failed runs last week", "project:demo (model:a OR model:b) f1 >= 0.9", "success rate > 80%"')
      .argument('<query>', 'the query (see the README: Evaluations)')
      .option('--explain', 'print how the query was understood'),
  ).action(async (query: string, flags: ListFlags, command: Command) => {
    const parsed = parseForCli(query);
    const extra = flagTerms(flags);
    const node: QueryNode = extra.length === 0 ? parsed : { type: 'and', children: [parsed, ...extra], column: 0 };
    compileForCli(compileRunQuery, node, query);
    if (flags.explain) {
      const text = explainQuery(node, { describeName: (name) => resolveRunMetric(name).label });
      if (flags.json) printJson({ query, tree: node, explanation: text });
      else process.stdout.write(`${text}\n`);
      return;
    }
    await withHolocron(contextFrom(command), (holocron) => printRuns(holocron, node, query, flags), readOnly);
  });

  runs
    .command('show')
    .description('One run: its settings, aggregates per metric, and its worst items')
    .argument('<run>', 'run id (or a unique prefix)')
    .option('--worst <n>', 'how many worst items to list', nonNegativeIntegerOption, 5)
    .option('--metric <name>', 'rank the worst items by this metric (default: the first pass/fail or 0–1 metric)')
    .option('--json', 'print JSON')
    .action(async (idText: string, flags: { worst: number; metric?: string; json?: boolean }, command: Command) => {
      await withHolocron(contextFrom(command), async (holocron) => {
        const id = await resolveEvalRunId(holocron.database, idText);
        const details = await getEvalRun(holocron.database, id);
        const whole = details.aggregates.filter((aggregate) => aggregate.field === '');
        const rankBy = flags.metric ?? defaultWorstMetric(details.aggregates);
        if (flags.metric && !whole.some((aggregate) => aggregate.metric === flags.metric)) throw new UsageError(`Run ${id} has no metric ${flags.metric}.`);
        const worst = rankBy && flags.worst > 0 ? await listEvalItems(holocron.database, id, { worstBy: rankBy, limit: flags.worst }) : { total: 0, items: [] };
        if (flags.json) {
          return printJson({
            run: runJson(details.run),
            tags: details.tags,
            aggregates: details.aggregates.map(toAggregateJson),
            worstBy: rankBy ?? null,
            worstItems: worst.items.map(itemJson),
          });
        }
        const { run } = details;
        const lines = [
          `Run ${run.id}  ${run.status}  "${run.name}"`,
          `  project ${run.project ?? '-'}  dataset ${run.dataset ?? '-'}  model ${run.model ?? '-'}  interrogation ${run.interrogation ?? '-'}  by ${run.created_by ?? '-'}`,
          `  created ${formatTime(Number(run.created_at))}  completed ${formatTime(run.completed_at === null ? null : Number(run.completed_at))}  duration ${run.duration_ms === null ? '-' : `${(Number(run.duration_ms) / 1000).toFixed(2)} s`}`,
          `  items ${run.item_count}  with a scorable answer ${run.success_count}  success rate ${run.success_rate === null ? '-' : `${(run.success_rate * 100).toFixed(1)}%`}  tags ${details.tags.join(', ') || '-'}`,
        ];
        if (run.description) lines.push(`  ${run.description}`);
        if (run.error) lines.push(`  error: ${run.error}`);
        const fmt = (value: number | null) => (value === null ? null : Number(value).toFixed(3));
        if (whole.length > 0) {
          lines.push(
            '',
            formatTable(
              ['metric', 'version', 'n', 'mean', 'std', 'min', 'p50', 'p95', 'max', 'pass rate'],
              whole.map((aggregate) => [aggregate.metric, aggregate.metric_version, aggregate.count, fmt(aggregate.mean), fmt(aggregate.std), fmt(aggregate.min), fmt(aggregate.p50), fmt(aggregate.p95), fmt(aggregate.max), fmt(aggregate.pass_rate)]),
            ),
          );
        }
        const perField = details.aggregates.filter((aggregate) => aggregate.field !== '');
        if (perField.length > 0) {
          lines.push('', formatTable(['per field / key', 'metric', 'n', 'right'], perField.map((aggregate) => [aggregate.field, aggregate.metric, aggregate.count, fmt(aggregate.mean)])));
        }
        if (worst.items.length > 0) {
          lines.push('', `Worst items by ${rankBy}:`);
          for (const item of worst.items) {
            const score = item.scores.find((entry) => entry.metric === rankBy && entry.field === '');
            const wrong = item.scores.filter((entry) => entry.field !== '' && entry.passed === 0).map((entry) => entry.field);
            lines.push(`  ${item.item_key}${item.repeat > 0 ? `#${item.repeat}` : ''}  ${rankBy} ${score?.value === null || score === undefined ? '-' : Number(score.value).toFixed(3)}${item.error ? `  error: ${truncate(item.error, 80)}` : ''}${wrong.length > 0 ? `  wrong: ${wrong.join(', ')}` : ''}`);
          }
        }
        process.stdout.write(`${lines.join('\n')}\n`);
      }, readOnly);
    });

  runs
    .command('items')
    .description("A run's items, filtered: --where 'f1 < 0.5 AND field:facts.birth_year != expected'")
    .argument('<run>', 'run id (or a unique prefix)')
    .option('--where <query>', 'which items (metric comparisons, field:PATH = / != expected, status:ok|error, key:…, words)')
    .option('--explain', 'print how --where was understood')
    .option('--limit <n>', 'how many', positiveIntegerOption, 50)
    .option('--offset <n>', 'skip this many', nonNegativeIntegerOption, 0)
    .option('--json', 'print JSON')
    .action(async (idText: string, flags: { where?: string; explain?: boolean; limit: number; offset: number; json?: boolean }, command: Command) => {
      const text = flags.where ?? '';
      const node = parseForCli(text);
      const where = compileForCli(compileItemQuery, node, text);
      if (flags.explain) return void process.stdout.write(`${explainQuery(node, { describeName: (name) => `the item's ${name} score` })}\n`);
      await withHolocron(contextFrom(command), async (holocron) => {
        const id = await resolveEvalRunId(holocron.database, idText);
        const page = await listEvalItems(holocron.database, id, { where, limit: flags.limit, offset: flags.offset });
        if (flags.json) return printJson({ run: id, total: page.total, items: page.items.map(itemJson) });
        if (page.items.length === 0) return void process.stdout.write(`No items (of ${page.total} matching).\n`);
        process.stdout.write(
          `${formatTable(
            ['item', 'repeat', 'status', 'latency', 'scores', 'wrong fields'],
            page.items.map((item) => [
              item.item_key,
              item.repeat,
              item.status,
              item.latency_ms === null ? null : `${Number(item.latency_ms).toFixed(0)} ms`,
              truncate(item.scores.filter((score) => score.field === '' && score.value !== null).map((score) => `${score.metric}=${Number(score.value).toFixed(2)}`).join(' '), 70),
              truncate(item.scores.filter((score) => score.field !== '' && score.passed === 0).map((score) => score.field).join(', '), 60) || null,
            ]),
          )}\n${page.items.length} of ${page.total} item${page.total === 1 ? '' : 's'}.\n`,
        );
      }, readOnly);
    });

  runs
    .command('compare')
    .description('Compare runs item by item (aligned by item id or input hash): deltas with 95% intervals, regressed and improved items')
    .argument('<runs...>', 'two or more run ids (or unique prefixes)')
    .option('--baseline <run>', 'the run the others are compared with (default: the first)')
    .option('--fail-on-regression', 'exit 1 when a metric regressed significantly (interval excludes zero) by more than --min-delta')
    .option('--metric <name>', 'gate and list items on this metric only')
    .option('--min-delta <d>', 'a regression must be larger than this (absolute)', numberOption, 0)
    .option('--seed <n>', 'bootstrap seed', integerOption, 1)
    .option('--items <n>', 'regressed / improved items to list', nonNegativeIntegerOption, 10)
    .option('--json', 'print JSON')
    .action(async (idTexts: string[], flags: { baseline?: string; failOnRegression?: boolean; metric?: string; minDelta: number; seed: number; items: number; json?: boolean }, command: Command) => {
      if (flags.minDelta < 0) throw new UsageError('--min-delta must be 0 or more');
      await withHolocron(contextFrom(command), async (holocron) => {
        const ids: string[] = [];
        for (const text of idTexts) ids.push(await resolveEvalRunId(holocron.database, text));
        const baseline = flags.baseline === undefined ? undefined : await resolveEvalRunId(holocron.database, flags.baseline);
        const comparison = await compareEvalRuns(holocron.database, ids, baseline, { seed: flags.seed, primaryMetric: flags.metric, itemLimit: flags.items });
        if (flags.metric && !comparison.pairs.some((pair) => pair.metrics.some((metric) => metric.metric === flags.metric))) {
          throw new UsageError(`No run compared has the metric ${flags.metric}.`);
        }
        const failing = comparison.pairs.flatMap((pair) => regressions(pair, { metric: flags.metric, minDelta: flags.minDelta }).map((metric) => ({ candidate: pair.candidateRunId, metric })));
        if (flags.json) printJson({ ...comparison, regressions: failing.map((entry) => ({ candidate: entry.candidate, metric: entry.metric.metric, delta: entry.metric.delta, interval: entry.metric.interval })) });
        else process.stdout.write(`${formatComparison(comparison)}\n`);
        if (flags.failOnRegression && failing.length > 0) {
          throw new RegressionGateError(`significant regression: ${failing.map((entry) => `${entry.metric.metric} ${entry.metric.delta!.toFixed(4)} in ${entry.candidate.slice(0, 8)}`).join('; ')}`);
        }
      }, readOnly);
    });

  runs
    .command('delete')
    .description('Delete a run with its items, scores and aggregates')
    .argument('<run>', 'run id (or a unique prefix)')
    .option('--json', 'print JSON')
    .action(async (idText: string, flags: { json?: boolean }, command: Command) => {
      await withHolocron(contextFrom(command), async (holocron) => {
        const id = await resolveEvalRunId(holocron.database, idText);
        await deleteEvalRun(holocron.database, id);
        if (flags.json) printJson({ deleted: id });
        else process.stdout.write(`Deleted run ${id}.\n`);
      });
    });

  runs
    .command('export')
    .description('Export runs as JSON, losslessly (every item and score)')
    .argument('<runs...>', 'run ids (or unique prefixes)')
    .option('-o, --output <file>', 'write to this file (default: standard output)')
    .action(async (idTexts: string[], flags: { output?: string }, command: Command) => {
      await withHolocron(contextFrom(command), async (holocron) => {
        const ids: string[] = [];
        for (const text of idTexts) ids.push(await resolveEvalRunId(holocron.database, text));
        const text = `${JSON.stringify(await exportEvalRuns(holocron.database, ids), null, 2)}\n`;
        if (flags.output) {
          fs.writeFileSync(flags.output, text);
          process.stderr.write(`Exported ${ids.length} run${ids.length === 1 ? '' : 's'} to ${flags.output}.\n`);
        } else process.stdout.write(text);
      }, readOnly);
    });

  runs
    .command('import')
    .description('Import runs from an export file (also: holocron db migrate FILE)')
    .argument('<file>', 'a file written by runs export')
    .option('--json', 'print JSON')
    .action(async (file: string, flags: { json?: boolean }, command: Command) => {
      await withHolocron(contextFrom(command), (holocron) => importFile(holocron, file, flags.json));
    });

  const projects = program.command('projects').description('Projects group evaluation runs');
  projects
    .command('list')
    .description('Projects with their run counts')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }, command: Command) => {
      await withHolocron(contextFrom(command), async (holocron) => {
        const rows = await listEvalProjects(holocron.database);
        if (flags.json) return printJson(rows);
        if (rows.length === 0) return void process.stdout.write('No projects.\n');
        process.stdout.write(`${formatTable(['project', 'runs', 'last run', 'description'], rows.map((row) => [row.name, row.runs, formatTime(row.lastRunAt), row.description]))}\n`);
      }, readOnly);
    });
}

export async function importFile(holocron: Holocron, file: string, json?: boolean): Promise<void> {
  const records = readEvaluationExport(file);
  const ids = await importEvalRuns(holocron.database, records);
  if (json) printJson({ imported: ids });
  else process.stdout.write(`Imported ${ids.length} run${ids.length === 1 ? '' : 's'}: ${ids.join(', ') || '-'}.\n`);
}

const itemJson = toEvalItemJson;
