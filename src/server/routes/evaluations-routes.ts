/**
 * Evaluation runs: list and search (the evaluation query language, as `runs search`), one run with
 * its aggregates and worst items (`runs show`), its items (`runs items --where`), and the comparison of
 * two or more runs (`runs compare`: deltas with intervals, regressed items). Same JSON as the CLI.
 */
import { Hono } from 'hono';
import { compileItemQuery } from '../../evaluations/query/compile-item-query.ts';
import { compileRunQuery } from '../../evaluations/query/compile-run-query.ts';
import { explainQuery } from '../../evaluations/query/explain-query.ts';
import { resolveRunMetric } from '../../evaluations/query/metric-reference.ts';
import { parseQuery } from '../../evaluations/query/parse-query.ts';
import type { QueryNode } from '../../evaluations/query/query-tree.ts';
import { regressions } from '../../evaluations/statistics/compare-runs.ts';
import { compareEvalRuns } from '../../evaluations/store/compare-eval-runs.ts';
import { EvaluationInputError } from '../../evaluations/store/evaluation-record.ts';
import { getEvalRun, resolveEvalRunId } from '../../evaluations/store/get-eval-run.ts';
import { listEvalItems } from '../../evaluations/store/list-eval-items.ts';
import { listEvalProjects } from '../../evaluations/store/list-eval-projects.ts';
import { listEvalRuns, runSortKeys } from '../../evaluations/store/list-eval-runs.ts';
import { defaultWorstMetric, toAggregateJson, toEvalItemJson, toEvalRunJson } from '../../read-models/evaluation-views.ts';
import { invalidParameter } from '../http-error.ts';
import { limitParam, oneOf, textParam } from '../query-params.ts';
import type { RouteContext, ServerEnv } from '../server-context.ts';

/** Runs one comparison may hold. */
export const maxComparedRuns = 8;

function offsetCursor(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  if (!/^\d{1,9}$/.test(value)) throw invalidParameter('cursor', `is not a cursor from a previous page, got "${value.slice(0, 40)}"`);
  return Number(value);
}

function nextOffset(offset: number, shown: number, total: number): string | null {
  return offset + shown < total ? String(offset + shown) : null;
}

function field(name: string, value: string): QueryNode {
  return { type: 'field', field: name, operator: '=', value, column: 0 };
}

function numberParam(name: string, value: string | undefined, fallback: number, check: (number: number) => boolean, rule: string): number {
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || !check(number)) throw invalidParameter(name, `${rule}, got "${value.slice(0, 40)}"`);
  return number;
}

export function evaluationsRoutes({ holocron }: RouteContext): Hono<ServerEnv> {
  const { database } = holocron;
  return new Hono<ServerEnv>()
    .get('/evaluations/projects', async (context) => context.json(await listEvalProjects(database)))
    .get('/evaluations/runs', async (context) => {
      const limit = limitParam(context);
      const offset = offsetCursor(context.req.query('cursor'));
      const q = textParam(context, 'q', 1000);
      const terms: QueryNode[] = [];
      if (q !== undefined) terms.push(parseQuery(q));
      for (const name of ['project', 'dataset', 'model', 'status', 'interrogation'] as const) {
        const value = textParam(context, name);
        if (value !== undefined) terms.push(field(name, value));
      }
      const node: QueryNode = terms.length === 0 ? { type: 'all', column: 0 } : terms.length === 1 ? terms[0]! : { type: 'and', children: terms, column: 0 };
      const where = compileRunQuery(node, q ?? '');
      const sort = oneOf('sort', context.req.query('sort'), runSortKeys) ?? 'created_at';
      const order = oneOf('order', context.req.query('order'), ['asc', 'desc'] as const) ?? 'desc';
      const page = await listEvalRuns(database, { where, sort, order, limit, offset });
      return context.json({
        items: page.runs.map(toEvalRunJson),
        nextCursor: nextOffset(offset, page.runs.length, page.total),
        total: page.total,
        explanation: q === undefined ? null : explainQuery(node, { describeName: (name) => resolveRunMetric(name).label }),
      });
    })
    .get('/evaluations/runs/:id', async (context) => {
      const id = await resolveEvalRunId(database, context.req.param('id'));
      const details = await getEvalRun(database, id);
      const worstCount = numberParam('worst', context.req.query('worst'), 5, (n) => Number.isInteger(n) && n >= 0 && n <= 100, 'must be a whole number from 0 to 100');
      const metric = textParam(context, 'metric');
      if (metric !== undefined && !details.aggregates.some((aggregate) => aggregate.field === '' && aggregate.metric === metric)) {
        throw invalidParameter('metric', `run ${id} has no metric ${metric}`);
      }
      const rankBy = metric ?? defaultWorstMetric(details.aggregates);
      const worst = rankBy && worstCount > 0 ? await listEvalItems(database, id, { worstBy: rankBy, limit: worstCount }) : { total: 0, items: [] };
      return context.json({
        run: toEvalRunJson(details.run),
        tags: details.tags,
        aggregates: details.aggregates.map(toAggregateJson),
        worstBy: rankBy ?? null,
        worstItems: worst.items.map(toEvalItemJson),
      });
    })
    .get('/evaluations/runs/:id/items', async (context) => {
      const id = await resolveEvalRunId(database, context.req.param('id'));
      const limit = limitParam(context);
      const offset = offsetCursor(context.req.query('cursor'));
      const text = textParam(context, 'where', 1000) ?? '';
      const node = parseQuery(text);
      const page = await listEvalItems(database, id, { where: compileItemQuery(node, text), limit, offset });
      return context.json({
        run: id,
        total: page.total,
        items: page.items.map(toEvalItemJson),
        nextCursor: nextOffset(offset, page.items.length, page.total),
        explanation: text === '' ? null : explainQuery(node, { describeName: (name) => `the item's ${name} score` }),
      });
    })
    .get('/evaluations/compare', async (context) => {
      const given = (textParam(context, 'runs', 2000) ?? '').split(',').map((part) => part.trim()).filter((part) => part !== '');
      if (given.length < 2) throw invalidParameter('runs', 'name at least two runs, comma-separated (ids or unique prefixes)');
      if (given.length > maxComparedRuns) throw invalidParameter('runs', `at most ${maxComparedRuns} runs in one comparison, got ${given.length}`);
      const ids: string[] = [];
      for (const text of given) ids.push(await resolveEvalRunId(database, text));
      const baselineText = textParam(context, 'baseline');
      const baseline = baselineText === undefined ? undefined : await resolveEvalRunId(database, baselineText);
      const metric = textParam(context, 'metric');
      const minDelta = numberParam('minDelta', context.req.query('minDelta'), 0, (n) => n >= 0, 'must be a number, 0 or more');
      const seed = numberParam('seed', context.req.query('seed'), 1, Number.isSafeInteger, 'must be a whole number');
      const itemLimit = numberParam('items', context.req.query('items'), 10, (n) => Number.isInteger(n) && n >= 0 && n <= 200, 'must be a whole number from 0 to 200');
      const comparison = await compareEvalRuns(database, ids, baseline, { seed, primaryMetric: metric, itemLimit });
      if (metric && !comparison.pairs.some((pair) => pair.metrics.some((entry) => entry.metric === metric))) {
        throw new EvaluationInputError(`No run compared has the metric ${metric}.`);
      }
      const failing = comparison.pairs.flatMap((pair) => regressions(pair, { metric, minDelta }).map((entry) => ({ candidate: pair.candidateRunId, metric: entry })));
      return context.json({
        ...comparison,
        regressions: failing.map((entry) => ({ candidate: entry.candidate, metric: entry.metric.metric, delta: entry.metric.delta, interval: entry.metric.interval })),
      });
    });
}
