/**
 * The query language: a recursive-descent parser from tokens to a tree.
 *
 *   query   := or
 *   or      := and ( OR and )*
 *   and     := unary ( [AND] unary )*          juxtaposition is AND
 *   unary   := NOT unary | '(' or ')' | term
 *   term    := field ':' value                 project:demo  model:"qwen2.5:7b"  since:2026-11-01
 *            | name op value                   success_rate > 0.8   f1 >= 0.9   p95_latency > 2s
 *            | words op value                  success rate > 80%   (words joined with _)
 *            | phrase                          failed runs, demo project, today, yesterday, last week,
 *                                              last 3 days, this month, slow responses …
 *            | word | "quoted phrase"          free text against names and descriptions
 *
 * Values take units: `80%` → 0.8; `500ms`, `2s`, `5m`, `1h` → milliseconds. Little words (runs, from,
 * with, the …) are ignored. The parser does not know which fields exist: the compiler for runs or for
 * items checks names and reports an unknown one at its column.
 */
import { QueryError } from './query-error.ts';
import type { ComparisonOperator, QueryNode } from './query-tree.ts';
import { tokenizeQuery, type Token } from './tokenize-query.ts';

export interface ParseOptions {
  /** "Today" and "last week" are relative to this instant (epoch ms; default now). */
  now?: number;
}

export const maxNesting = 64;
export const maxTerms = 2_000;

const dayMs = 86_400_000;
const noiseWords = new Set(['runs', 'run', 'evaluations', 'evaluation', 'from', 'in', 'of', 'with', 'the', 'a', 'an', 'that', 'which', 'are', 'were', 'was', 'for', 'over', 'during', 'created', 'items', 'show', 'me', 'all']);
const statusWords: Record<string, string> = {
  failed: 'failed',
  failing: 'failed',
  failures: 'failed',
  completed: 'completed',
  complete: 'completed',
  finished: 'completed',
  successful: 'completed',
  running: 'running',
  unfinished: 'running',
};
const timeFields = new Set(['since', 'after', 'before', 'until']);
/** Text fields that also read with = and != (`model = llama3.2`). */
export const textFieldNames = new Set(['project', 'dataset', 'model', 'status', 'tag', 'name', 'created_by', 'interrogation', 'key', 'id']);

export function parseQuery(query: string, options: ParseOptions = {}): QueryNode {
  const parser = new Parser(query, tokenizeQuery(query), options.now ?? Date.now());
  return parser.parse();
}

class Parser {
  private position = 0;
  private depth = 0;
  private terms = 0;

  constructor(
    private readonly query: string,
    private readonly tokens: Token[],
    private readonly now: number,
  ) {}

  parse(): QueryNode {
    if (this.tokens.length === 0) return { type: 'all', column: 1 };
    const node = this.parseOr();
    const extra = this.peek();
    if (extra) throw this.error(extra.type === 'close' ? 'This ")" has no matching "("' : `Unexpected ${describe(extra)}`, extra.column);
    return node;
  }

  private parseOr(): QueryNode {
    const first = this.parseAnd();
    const children = [first];
    while (this.peek()?.type === 'or') {
      const or = this.next();
      if (!this.startsTerm(this.peek())) throw this.error('OR must be followed by a term', this.peek()?.column ?? or.column + or.text.length);
      children.push(this.parseAnd());
    }
    return children.length === 1 ? first : { type: 'or', children, column: first.column };
  }

  private parseAnd(): QueryNode {
    const children: QueryNode[] = [];
    const startColumn = this.peek()?.column ?? this.query.length + 1;
    while (true) {
      const token = this.peek();
      if (!token || token.type === 'or' || token.type === 'close') break;
      if (token.type === 'and') {
        this.next();
        if (children.length === 0) throw this.error('AND must come between two terms', token.column);
        if (!this.startsTerm(this.peek())) throw this.error('AND must be followed by a term', this.peek()?.column ?? token.column + token.text.length);
        continue;
      }
      const node = this.parseUnary();
      if (node) children.push(node);
    }
    if (children.length === 0) {
      const token = this.peek();
      // Only little words ("all runs"): everything.
      if (this.position > 0 && this.tokens[this.position - 1]!.type === 'word') return { type: 'all', column: startColumn };
      throw this.error(token ? `Expected a term before ${describe(token)}` : 'The query ends where a term was expected', token?.column ?? this.query.length + 1);
    }
    return children.length === 1 ? children[0]! : { type: 'and', children, column: children[0]!.column };
  }

  private parseUnary(): QueryNode | null {
    const token = this.peek()!;
    if (token.type === 'not') {
      this.next();
      this.enter(token);
      if (!this.startsTerm(this.peek())) throw this.error('NOT must be followed by a term', this.peek()?.column ?? token.column + token.text.length);
      const child = this.parseUnary();
      this.depth -= 1;
      if (!child) throw this.error('NOT must be followed by a term, not a little word', token.column);
      return { type: 'not', child, column: token.column };
    }
    if (token.type === 'open') {
      this.next();
      this.enter(token);
      const inner = this.peek();
      if (!inner) throw this.error('This "(" is never closed', token.column);
      if (inner.type === 'close') throw this.error('Empty parentheses', inner.column);
      const node = this.parseOr();
      const close = this.peek();
      if (!close || close.type !== 'close') throw this.error('This "(" is never closed', token.column);
      this.next();
      this.depth -= 1;
      return node;
    }
    return this.parseTerm();
  }

  private parseTerm(): QueryNode | null {
    const token = this.next();
    this.terms += 1;
    if (this.terms > maxTerms) throw this.error(`The query has more than ${maxTerms} terms`, token.column);
    if (token.type === 'string') return { type: 'text', text: token.text, column: token.column };
    if (token.type === 'operator') throw this.error(`The comparison "${token.text}" needs a name on its left`, token.column);
    if (token.type !== 'word') throw this.error(`Unexpected ${describe(token)}`, token.column);

    const colon = token.text.indexOf(':');
    if (colon > 0 && /^[A-Za-z_]+$/.test(token.text.slice(0, colon))) return this.parseFieldTerm(token, colon);

    const comparison = this.tryComparison(token);
    if (comparison) return comparison;

    const lower = token.text.toLowerCase();
    const phrase = this.tryTimePhrase(token, lower) ?? this.tryNamedPhrase(token, lower);
    if (phrase) return phrase;
    if (noiseWords.has(lower)) return null;
    return { type: 'text', text: token.text, column: token.column };
  }

  private parseFieldTerm(token: Token, colon: number): QueryNode {
    const field = token.text.slice(0, colon).toLowerCase();
    let value = token.text.slice(colon + 1);
    let valueColumn = token.column + colon + 1;
    if (value === '') {
      const next = this.peek();
      if (!next || (next.type !== 'string' && next.type !== 'word')) throw this.error(`"${field}:" needs a value`, valueColumn);
      this.next();
      value = next.text;
      valueColumn = next.column;
    }
    if (timeFields.has(field)) {
      const instant = parseInstant(value, this.now);
      if (instant === null) throw this.error(`"${value}" is not a date (use 2026-11-01, an ISO time, today, yesterday or 7d)`, valueColumn);
      const since = field === 'since' || field === 'after' ? instant : null;
      return { type: 'time', since, before: since === null ? instant : null, column: token.column };
    }
    if (field === 'field') {
      // field:PATH [= | != expected]
      const operator = this.peek();
      if (operator?.type === 'operator') {
        this.next();
        if (operator.text !== '=' && operator.text !== '!=') throw this.error('A field is compared with = or != expected', operator.column);
        const target = this.peek();
        if (!target || target.text.toLowerCase() !== 'expected') throw this.error('A field is compared with "expected"', target?.column ?? operator.column + operator.text.length);
        this.next();
        return { type: 'field', field, operator: operator.text, value, column: token.column };
      }
    }
    return { type: 'field', field, operator: '=', value, column: token.column };
  }

  /** `name op value`, or two words naming one thing (`success rate > 80%`, `p95 latency > 2s`). */
  private tryComparison(first: Token): QueryNode | null {
    const words = [first];
    let offset = 0;
    const next = this.tokens[this.position];
    const after = this.tokens[this.position + 1];
    if (next?.type === 'operator') offset = 0;
    else if (next?.type === 'word' && after?.type === 'operator' && isTwoWordName(first.text, next.text)) {
      words.push(next);
      offset = 1;
    } else return null;
    this.position += offset;
    const operator = this.next();
    const name = words.map((word) => word.text.toLowerCase()).join('_');
    if (!/^[a-z][a-z0-9_.]*$/.test(name)) throw this.error(`"${words.map((word) => word.text).join(' ')}" is not a metric or field name`, first.column);
    const valueToken = this.peek();
    if (!valueToken || (valueToken.type !== 'word' && valueToken.type !== 'string')) {
      throw this.error(`"${operator.text}" needs a value after it`, valueToken?.column ?? operator.column + operator.text.length);
    }
    this.next();
    if (textFieldNames.has(name)) {
      if (operator.text !== '=' && operator.text !== '!=') throw this.error(`${name} is compared with = or !=, not ${operator.text}`, operator.column);
      return { type: 'field', field: name, operator: operator.text, value: valueToken.text, column: first.column };
    }
    if (timeFields.has(name)) {
      const instant = parseInstant(valueToken.text, this.now);
      if (instant === null) throw this.error(`"${valueToken.text}" is not a date`, valueToken.column);
      const after = operator.text === '>' || operator.text === '>=';
      return { type: 'time', since: after ? instant : null, before: after ? null : instant, column: first.column };
    }
    const number = parseQuantity(valueToken.text);
    if (!number) throw this.error(`"${valueToken.text}" is not a number (units: %, ms, s, m, h)`, valueToken.column);
    let value = number.value;
    // "success rate > 80": a rate above 1 can only mean a percentage.
    if (number.unit === '' && /(^|_)rate$/.test(name) && value > 1) value /= 100;
    return {
      type: 'compare',
      name,
      operator: operator.text as ComparisonOperator,
      value,
      unit: number.unit,
      column: first.column,
      ...(words.length > 1 ? { phrase: words.map((word) => word.text).join(' ') } : {}),
    };
  }

  private tryTimePhrase(token: Token, lower: string): QueryNode | null {
    const startOfToday = Math.floor(this.now / dayMs) * dayMs;
    const make = (since: number | null, before: number | null, words: number): QueryNode => {
      const phrase = this.tokens.slice(this.position - 1, this.position - 1 + words).map((word) => word.text).join(' ');
      this.position += words - 1;
      return { type: 'time', since, before, column: token.column, phrase };
    };
    if (lower === 'today') return make(startOfToday, null, 1);
    if (lower === 'yesterday') return make(startOfToday - dayMs, startOfToday, 1);
    if (lower !== 'last' && lower !== 'past' && lower !== 'this') return null;
    const second = this.peekWord(0);
    if (!second) return null;
    const spans: Record<string, number> = { day: dayMs, days: dayMs, hour: 3_600_000, hours: 3_600_000, week: 7 * dayMs, weeks: 7 * dayMs, month: 30 * dayMs, months: 30 * dayMs, year: 365 * dayMs, years: 365 * dayMs };
    if (lower === 'this') {
      if (second === 'week') {
        const weekday = (new Date(startOfToday).getUTCDay() + 6) % 7; // Monday = 0
        return make(startOfToday - weekday * dayMs, null, 2);
      }
      if (second === 'month') {
        const date = new Date(startOfToday);
        return make(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1), null, 2);
      }
      if (second === 'year') return make(Date.UTC(new Date(startOfToday).getUTCFullYear(), 0, 1), null, 2);
      return null;
    }
    if (spans[second] !== undefined && !second.endsWith('s')) return make(this.now - spans[second]!, null, 2);
    const third = this.peekWord(1);
    if (/^\d+$/.test(second) && third && spans[third] !== undefined) return make(this.now - Number(second) * spans[third]!, null, 3);
    return null;
  }

  private tryNamedPhrase(token: Token, lower: string): QueryNode | null {
    const status = statusWords[lower];
    if (status) return { type: 'field', field: 'status', operator: '=', value: status, column: token.column, phrase: token.text };
    const next = this.peekWord(0);
    if (next === 'project' || next === 'projects') {
      this.position += 1;
      return { type: 'field', field: 'project', operator: '=', value: token.text, column: token.column, phrase: `${token.text} project` };
    }
    if (lower === 'project' && next && !noiseWords.has(next)) {
      const value = this.next().text;
      return { type: 'field', field: 'project', operator: '=', value, column: token.column, phrase: `project ${value}` };
    }
    if (lower === 'slow' || lower === 'fast') {
      let words = 1;
      if (next === 'responses' || next === 'response' || next === 'answers') {
        this.position += 1;
        words = 2;
      }
      const phrase = this.tokens.slice(this.position - words, this.position).map((word) => word.text).join(' ');
      return lower === 'slow'
        ? { type: 'compare', name: 'p95_latency', operator: '>', value: slowLatencyMs, unit: 'ms', column: token.column, phrase }
        : { type: 'compare', name: 'p95_latency', operator: '<', value: fastLatencyMs, unit: 'ms', column: token.column, phrase };
    }
    return null;
  }

  private peekWord(offset: number): string | null {
    const token = this.tokens[this.position + offset];
    return token?.type === 'word' ? token.text.toLowerCase() : null;
  }

  private startsTerm(token: Token | undefined): boolean {
    return token !== undefined && (token.type === 'word' || token.type === 'string' || token.type === 'open' || token.type === 'not');
  }

  private enter(token: Token): void {
    this.depth += 1;
    if (this.depth > maxNesting) throw this.error(`The query nests deeper than ${maxNesting} levels`, token.column);
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private next(): Token {
    return this.tokens[this.position++]!;
  }

  private error(reason: string, column: number): QueryError {
    return new QueryError(reason, column, this.query);
  }
}

const statisticWords = new Set(['p50', 'p95', 'mean', 'avg', 'average', 'median', 'min', 'max', 'std']);
const twoWordNames = new Set(['success_rate', 'pass_rate', 'error_rate', 'item_count', 'exact_match', 'field_match', 'schema_valid', 'created_by']);

function isTwoWordName(first: string, second: string): boolean {
  const a = first.toLowerCase();
  const b = second.toLowerCase();
  return /^[a-z][a-z0-9]*$/.test(b) && (statisticWords.has(a) || twoWordNames.has(`${a}_${b}`));
}

/** "Slow responses": a p95 latency above this; "fast": below the other. */
export const slowLatencyMs = 5_000;
export const fastLatencyMs = 1_000;

function describe(token: Token): string {
  return token.type === 'close' ? '")"' : token.type === 'open' ? '"("' : `"${token.text}"`;
}

/** `0.8`, `80%`, `2s`, `500ms`, `5m`, `1h`, `1,000` → the value in base units (fraction, ms). */
export function parseQuantity(text: string): { value: number; unit: string } | null {
  const match = /^([-+]?(?:\d[\d,]*\.?\d*|\.\d+)(?:e[-+]?\d+)?)(%|ms|s|sec|secs|seconds|m|min|mins|minutes|h|hr|hours)?$/i.exec(text.trim());
  if (!match) return null;
  const number = Number(match[1]!.replace(/,/g, ''));
  if (!Number.isFinite(number)) return null;
  const unit = (match[2] ?? '').toLowerCase();
  const factors: Record<string, [number, string]> = {
    '': [1, ''],
    '%': [0.01, '%'],
    ms: [1, 'ms'],
    s: [1000, 'ms'],
    sec: [1000, 'ms'],
    secs: [1000, 'ms'],
    seconds: [1000, 'ms'],
    m: [60_000, 'ms'],
    min: [60_000, 'ms'],
    mins: [60_000, 'ms'],
    minutes: [60_000, 'ms'],
    h: [3_600_000, 'ms'],
    hr: [3_600_000, 'ms'],
    hours: [3_600_000, 'ms'],
  };
  const [factor, base] = factors[unit]!;
  return { value: number * factor, unit: base };
}

/** `2026-11-01`, an ISO time, `today`, `yesterday`, `7d` (days ago) → epoch ms; null if not a date. */
export function parseInstant(text: string, now: number): number | null {
  const lower = text.toLowerCase();
  const startOfToday = Math.floor(now / dayMs) * dayMs;
  if (lower === 'today') return startOfToday;
  if (lower === 'yesterday') return startOfToday - dayMs;
  if (lower === 'now') return now;
  const ago = /^(\d+)(d|h|w)$/.exec(lower);
  if (ago) return now - Number(ago[1]) * ({ d: dayMs, h: 3_600_000, w: 7 * dayMs } as Record<string, number>)[ago[2]!]!;
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/i.test(text)) return null;
  const parsed = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  return Number.isNaN(parsed) ? null : parsed;
}
