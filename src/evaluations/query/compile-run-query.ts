/**
 * Compiles a query tree into a parameterised SQL condition on `eval_runs` (the same text on SQLite and
 * PostgreSQL): every value is a bound parameter, every name is checked against a fixed list, so nothing
 * a user types ever becomes SQL. Unknown fields and bad values are reported at their column.
 */
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import { evalRunStatuses } from '../evaluations-tables.ts';
import { resolveRunMetric, type MetricReference } from './metric-reference.ts';
import { QueryError } from './query-error.ts';
import type { QueryNode } from './query-tree.ts';
import { compileTree, type TermNode } from './compile-tree.ts';

const runTextFields: Record<string, string> = {
  project: 'project',
  dataset: 'dataset',
  model: 'model',
  status: 'status',
  name: 'name',
  created_by: 'created_by',
  interrogation: 'interrogation',
  id: 'id',
};

export const runQueryFields = [...Object.keys(runTextFields), 'tag', 'since', 'before'];

export function compileRunQuery(node: QueryNode, query: string): Expression<SqlBool> {
  return compileTree(node, {
    term: (term) => compileTerm(term, query),
    // `tag:a OR tag:b OR …` is one tag lookup with an IN list: a subquery per term made PostgreSQL's
    // planner take minutes over a 10 kB query of 900 alternatives.
    alternatives(children, compile) {
      const exactTags = children.filter(isExactTag).map((child) => child.value);
      const rest = children.filter((child) => !isExactTag(child)).map(compile);
      if (exactTags.length > 1) rest.unshift(sql<SqlBool>`exists (select 1 from eval_run_tags t where t.run_id = eval_runs.id and t.tag in (${sql.join(exactTags)}))`);
      else if (exactTags.length === 1) rest.unshift(compile(children.find(isExactTag)!));
      return rest;
    },
  });
}

function compileTerm(node: TermNode, query: string): RawBuilder<SqlBool> {
  switch (node.type) {
    case 'text': {
      const pattern = `%${escapeLike(node.text.toLowerCase())}%`;
      return sql<SqlBool>`(lower(eval_runs.name) like ${pattern} escape '\\' or lower(coalesce(eval_runs.description, '')) like ${pattern} escape '\\')`;
    }
    case 'time': {
      const parts: RawBuilder<SqlBool>[] = [];
      if (node.since !== null) parts.push(sql<SqlBool>`eval_runs.created_at >= ${node.since}`);
      if (node.before !== null) parts.push(sql<SqlBool>`eval_runs.created_at < ${node.before}`);
      return sql<SqlBool>`(${sql.join(parts, sql` and `)})`;
    }
    case 'field': {
      if (node.field === 'tag') {
        const condition = node.value.includes('*') ? sql`t.tag like ${wildcard(node.value)} escape '\\'` : sql`t.tag = ${node.value}`;
        const exists = sql<SqlBool>`exists (select 1 from eval_run_tags t where t.run_id = eval_runs.id and ${condition})`;
        return node.operator === '=' ? exists : sql<SqlBool>`(not ${exists})`;
      }
      const column = runTextFields[node.field];
      if (!column) throw new QueryError(`Unknown field "${node.field}" (runs have ${runQueryFields.join(', ')})`, node.column, query);
      if (column === 'status' && !(evalRunStatuses as readonly string[]).includes(node.value)) {
        throw new QueryError(`Unknown status "${node.value}" (one of ${evalRunStatuses.join(', ')})`, node.column, query);
      }
      const reference = sql.ref(`eval_runs.${column}`);
      if (node.value.includes('*')) {
        const like = sql<SqlBool>`(${reference} is not null and ${reference} like ${wildcard(node.value)} escape '\\')`;
        return node.operator === '=' ? like : sql<SqlBool>`(not ${like})`;
      }
      return node.operator === '='
        ? sql<SqlBool>`(${reference} = ${node.value})`
        : sql<SqlBool>`(${reference} is null or ${reference} <> ${node.value})`;
    }
    case 'compare':
      return compileComparison(resolveRunMetric(node.name), node.operator, node.value);
  }
}

function compileComparison(reference: MetricReference, operator: string, value: number): RawBuilder<SqlBool> {
  const op = sql.raw(operator === '!=' ? '<>' : operator);
  if (reference.kind === 'column') {
    const column = sql.ref(`eval_runs.${reference.column}`);
    return sql<SqlBool>`(${column} is not null and ${column} ${op} ${value})`;
  }
  const statistic = sql.ref(`a.${reference.statistic}`);
  return sql<SqlBool>`exists (select 1 from eval_metric_aggregates a where a.run_id = eval_runs.id and a.field = '' and (a.metric = ${reference.metric} or a.metric like ${`%.${escapeLike(reference.metric)}`} escape '\\') and ${statistic} is not null and ${statistic} ${op} ${value})`;
}

type FieldNode = Extract<QueryNode, { type: 'field' }>;

function isExactTag(node: QueryNode): node is FieldNode {
  return node.type === 'field' && node.field === 'tag' && node.operator === '=' && !node.value.includes('*');
}

/** LIKE's wildcards (% and _) and the escape character itself, escaped. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/** `qwen*` → `qwen%` with everything else literal. */
export function wildcard(value: string): string {
  return value.split('*').map(escapeLike).join('%');
}
