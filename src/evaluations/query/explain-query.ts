/** `--explain`: the tree a query was parsed into, one node a line, with what each term means. */
import type { QueryNode } from './query-tree.ts';

export interface ExplainOptions {
  /** Describes a comparison's left side (runs: run columns and aggregates; items: item scores). */
  describeName?: (name: string) => string;
}

export function explainQuery(node: QueryNode, options: ExplainOptions = {}): string {
  const lines: string[] = [];
  walk(node, 0, lines, options);
  return lines.join('\n');
}

function walk(node: QueryNode, depth: number, lines: string[], options: ExplainOptions): void {
  const indent = '  '.repeat(depth);
  switch (node.type) {
    case 'and':
    case 'or':
      lines.push(`${indent}${node.type.toUpperCase()}`);
      for (const child of node.children) walk(child, depth + 1, lines, options);
      return;
    case 'not':
      lines.push(`${indent}NOT`);
      walk(node.child, depth + 1, lines, options);
      return;
    default:
      lines.push(`${indent}${describeTerm(node, options)}`);
  }
}

export function describeTerm(node: QueryNode, options: ExplainOptions = {}): string {
  const from = 'phrase' in node && node.phrase ? `   ← "${node.phrase}"` : '';
  switch (node.type) {
    case 'field':
      if (node.field === 'field') return `field ${node.value} ${node.operator === '=' ? 'matches' : 'does not match'} the expected value`;
      return `${node.field} ${node.operator} ${JSON.stringify(node.value)}${node.value.includes('*') ? ' (* is a wildcard)' : ''}${from}`;
    case 'compare': {
      const meaning = options.describeName ? ` (${options.describeName(node.name)})` : '';
      return `${node.name} ${node.operator} ${formatValue(node.value, node.unit)}${meaning}${from}`;
    }
    case 'time': {
      const parts = [];
      if (node.since !== null) parts.push(`created at or after ${new Date(node.since).toISOString()}`);
      if (node.before !== null) parts.push(`created before ${new Date(node.before).toISOString()}`);
      return `${parts.join(' and ')}${from}`;
    }
    case 'text':
      return `name or description contains ${JSON.stringify(node.text)} (any case)`;
    case 'all':
      return 'everything';
    default:
      return '';
  }
}

function formatValue(value: number, unit: string): string {
  if (unit === 'ms') return `${value} ms`;
  return String(value);
}
