/**
 * Compiles a query tree into a parameterised SQL condition on `eval_items`, for `runs items <run> --where`:
 *   f1 < 0.5                          the item's score for metric f1 (or *.f1)
 *   latency_ms > 2s                   the item's latency column
 *   field:facts.birth_year != expected   the per-field (or per-key) score for that path failed
 *   status:error   key:luke_skywalker   free words against the input and the answer
 */
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import { evalItemStatuses } from '../evaluations-tables.ts';
import { escapeLike, wildcard } from './compile-run-query.ts';
import { QueryError } from './query-error.ts';
import type { QueryNode } from './query-tree.ts';
import { compileTree, type TermNode } from './compile-tree.ts';

const itemColumns: Record<string, string> = { latency_ms: 'latency_ms', latency: 'latency_ms', prompt_tokens: 'prompt_tokens', completion_tokens: 'completion_tokens', repeat: 'repeat', position: 'position' };

export const itemQueryFields = ['status', 'key', 'field'];

export function compileItemQuery(node: QueryNode, query: string): Expression<SqlBool> {
  return compileTree(node, { term: (term) => compileTerm(term, query) });
}

const sameItem = sql`s.run_id = eval_items.run_id and s.item_key = eval_items.item_key and s.repeat = eval_items.repeat`;

function compileTerm(node: TermNode, query: string): RawBuilder<SqlBool> {
  switch (node.type) {
    case 'text': {
      const pattern = `%${escapeLike(node.text.toLowerCase())}%`;
      return sql<SqlBool>`(lower(eval_items.input) like ${pattern} escape '\\' or lower(coalesce(eval_items.output, '')) like ${pattern} escape '\\' or lower(eval_items.item_key) like ${pattern} escape '\\')`;
    }
    case 'time':
      throw new QueryError('Items have no time of their own; search runs by time instead', node.column, query);
    case 'field': {
      if (node.field === 'field') {
        const wanted = node.operator === '=' ? 1 : 0;
        return sql<SqlBool>`exists (select 1 from eval_scores s where ${sameItem} and s.field = ${node.value} and s.passed = ${wanted})`;
      }
      if (node.field === 'status') {
        if (!(evalItemStatuses as readonly string[]).includes(node.value)) {
          throw new QueryError(`Unknown item status "${node.value}" (one of ${evalItemStatuses.join(', ')})`, node.column, query);
        }
        return node.operator === '=' ? sql<SqlBool>`(eval_items.status = ${node.value})` : sql<SqlBool>`(eval_items.status <> ${node.value})`;
      }
      if (node.field === 'key' || node.field === 'id') {
        const condition = node.value.includes('*') ? sql<SqlBool>`(eval_items.item_key like ${wildcard(node.value)} escape '\\')` : sql<SqlBool>`(eval_items.item_key = ${node.value})`;
        return node.operator === '=' ? condition : sql<SqlBool>`(not ${condition})`;
      }
      throw new QueryError(`Unknown item field "${node.field}" (items have ${itemQueryFields.join(', ')}, and metric comparisons)`, node.column, query);
    }
    case 'compare': {
      const op = sql.raw(node.operator === '!=' ? '<>' : node.operator);
      const column = itemColumns[node.name];
      if (column) {
        const reference = sql.ref(`eval_items.${column}`);
        return sql<SqlBool>`(${reference} is not null and ${reference} ${op} ${node.value})`;
      }
      return sql<SqlBool>`exists (select 1 from eval_scores s where ${sameItem} and s.field = '' and (s.metric = ${node.name} or s.metric like ${`%.${escapeLike(node.name)}`} escape '\\') and s.value is not null and s.value ${op} ${node.value})`;
    }
  }
}
