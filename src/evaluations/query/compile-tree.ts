/**
 * The part of compiling a query tree that runs and items share: AND, OR, NOT and the empty query, as
 * parenthesised SQL. What a term means (a field, a comparison, a time, a free word) is the caller's.
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { QueryNode } from './query-tree.ts';

export type TermNode = Extract<QueryNode, { type: 'field' | 'compare' | 'time' | 'text' }>;

export interface TermCompiler {
  term(node: TermNode): RawBuilder<SqlBool>;
  /** An OR's children as conditions (some may be merged into one); default: each compiled alone. */
  alternatives?(children: readonly QueryNode[], compile: (node: QueryNode) => RawBuilder<SqlBool>): RawBuilder<SqlBool>[];
}

export function compileTree(node: QueryNode, compiler: TermCompiler): RawBuilder<SqlBool> {
  const compile = (child: QueryNode) => compileTree(child, compiler);
  switch (node.type) {
    case 'and':
      return sql<SqlBool>`(${sql.join(node.children.map(compile), sql` and `)})`;
    case 'or':
      return sql<SqlBool>`(${sql.join(compiler.alternatives ? compiler.alternatives(node.children, compile) : node.children.map(compile), sql` or `)})`;
    case 'not':
      return sql<SqlBool>`(not ${compile(node.child)})`;
    case 'all':
      return sql<SqlBool>`(1 = 1)`;
    default:
      return compiler.term(node);
  }
}
