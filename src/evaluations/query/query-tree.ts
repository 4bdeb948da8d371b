/** The tree a query is parsed into. Every node keeps the column it came from, for errors. */

export type ComparisonOperator = '>' | '>=' | '<' | '<=' | '=' | '!=';

export type QueryNode =
  | { type: 'and'; children: QueryNode[]; column: number }
  | { type: 'or'; children: QueryNode[]; column: number }
  | { type: 'not'; child: QueryNode; column: number }
  /** `field:value`, or `field = value` / `field != value`; `value` may hold `*` wildcards. */
  | { type: 'field'; field: string; operator: '=' | '!='; value: string; column: number; phrase?: string }
  /** `metric op number`, the number already in the metric's unit (ms, fraction). */
  | { type: 'compare'; name: string; operator: ComparisonOperator; value: number; unit: string; column: number; phrase?: string }
  /** Created at or after `since` and before `before` (epoch ms), either may be open. */
  | { type: 'time'; since: number | null; before: number | null; column: number; phrase?: string }
  /** A free word or quoted phrase, matched against names and descriptions. */
  | { type: 'text'; text: string; column: number }
  /** Matches everything (an empty query). */
  | { type: 'all'; column: number };
