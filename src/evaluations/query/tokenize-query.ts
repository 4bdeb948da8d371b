/**
 * Splits a query into tokens, each with its column: words (anything up to a space, a parenthesis, a
 * quote or a comparison operator), quoted strings ("…" or '…', backslash escapes), operators
 * (> >= < <= = == !=), parentheses, and the keywords AND, OR, NOT (any case).
 */
import { QueryError } from './query-error.ts';

export type TokenType = 'word' | 'string' | 'operator' | 'open' | 'close' | 'and' | 'or' | 'not';

export interface Token {
  type: TokenType;
  text: string;
  /** 1-based column of the token's first character. */
  column: number;
}

export const maxQueryLength = 20_000;

const operators = ['>=', '<=', '!=', '==', '<>', '>', '<', '='];
const wordStop = /[\s()"'<>=!]/;

export function tokenizeQuery(query: string): Token[] {
  if (query.length > maxQueryLength) {
    throw new QueryError(`The query is ${query.length} characters long; the most is ${maxQueryLength}`, maxQueryLength + 1, query);
  }
  const tokens: Token[] = [];
  let index = 0;
  while (index < query.length) {
    const character = query[index]!;
    const column = index + 1;
    if (/\s/.test(character)) {
      index += 1;
      continue;
    }
    if (character === '(' || character === ')') {
      tokens.push({ type: character === '(' ? 'open' : 'close', text: character, column });
      index += 1;
      continue;
    }
    if (character === '"' || character === "'") {
      let text = '';
      let position = index + 1;
      let closed = false;
      while (position < query.length) {
        const next = query[position]!;
        if (next === '\\' && position + 1 < query.length) {
          text += query[position + 1];
          position += 2;
          continue;
        }
        if (next === character) {
          closed = true;
          position += 1;
          break;
        }
        text += next;
        position += 1;
      }
      if (!closed) throw new QueryError(`The quote ${character} opened here is never closed`, column, query);
      tokens.push({ type: 'string', text, column });
      index = position;
      continue;
    }
    const operator = operators.find((candidate) => query.startsWith(candidate, index));
    if (operator) {
      tokens.push({ type: 'operator', text: operator === '==' ? '=' : operator === '<>' ? '!=' : operator, column });
      index += operator.length;
      continue;
    }
    if (character === '!') throw new QueryError('"!" must be followed by "=" (use NOT to negate)', column, query);
    let end = index;
    while (end < query.length && !wordStop.test(query[end]!)) end += 1;
    // `name:"my run"`: a field name followed directly by a quoted value stays one word plus a string.
    const text = query.slice(index, end);
    const upper = text.toUpperCase();
    if (upper === 'AND' || upper === 'OR' || upper === 'NOT') tokens.push({ type: upper.toLowerCase() as TokenType, text, column });
    else tokens.push({ type: 'word', text, column });
    index = end;
  }
  return tokens;
}
