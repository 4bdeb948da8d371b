/**
 * Generates strings matching a JSON Schema `pattern` for the common regular-expression subset
 * (literals, classes, \d \w \s, groups, alternation, quantifiers, anchors). Lookarounds, back-references
 * and Unicode property escapes are not supported: `compilePattern` returns undefined for them.
 */
import type { SeededRandom } from './seeded-random.ts';

type PatternNode =
  | { kind: 'sequence'; items: PatternNode[] }
  | { kind: 'alternation'; options: PatternNode[] }
  | { kind: 'characters'; choices: readonly string[] }
  | { kind: 'repeat'; node: PatternNode; minimum: number; maximum: number };

export interface CompiledPattern {
  /** The pattern as Ajv applies it (`u` flag, unanchored). */
  readonly expression: RegExp;
  generate(random: SeededRandom): string;
}

class UnsupportedPatternError extends Error {}

const extraRepetitions = 3;
const rangeLimit = 256;

function codePointsBetween(first: number, last: number): string[] {
  const characters: string[] = [];
  for (let code = first; code <= last && characters.length < rangeLimit; code += 1) {
    characters.push(String.fromCodePoint(code));
  }
  return characters;
}

const digits = codePointsBetween(48, 57);
const lowerLetters = codePointsBetween(97, 122);
const upperLetters = codePointsBetween(65, 90);
const wordCharacters = [...lowerLetters, ...upperLetters, ...digits, '_'];
const printableAscii = codePointsBetween(32, 126);

class PatternParser {
  private position = 0;
  private readonly source: string;

  constructor(source: string) {
    this.source = source;
  }

  parse(): PatternNode {
    const node = this.parseAlternation();
    if (this.position < this.source.length) throw new UnsupportedPatternError('unbalanced parenthesis');
    return node;
  }

  private peek(): string | undefined {
    return this.source[this.position];
  }

  private parseAlternation(): PatternNode {
    const options = [this.parseSequence()];
    while (this.peek() === '|') {
      this.position += 1;
      options.push(this.parseSequence());
    }
    return options.length === 1 ? options[0]! : { kind: 'alternation', options };
  }

  private parseSequence(): PatternNode {
    const items: PatternNode[] = [];
    while (this.position < this.source.length && this.peek() !== '|' && this.peek() !== ')') {
      const atom = this.parseAtom();
      if (atom !== undefined) items.push(this.parseQuantifier(atom));
    }
    return { kind: 'sequence', items };
  }

  private parseAtom(): PatternNode | undefined {
    const character = this.source.codePointAt(this.position)!;
    const text = String.fromCodePoint(character);
    this.position += text.length;
    switch (text) {
      case '^':
      case '$':
        return undefined;
      case '(':
        return this.parseGroup();
      case '[':
        return this.parseClass();
      case '.':
        return { kind: 'characters', choices: wordCharacters };
      case '\\':
        return { kind: 'characters', choices: this.parseEscape() };
      case '*':
      case '+':
      case '?':
      case '{':
        throw new UnsupportedPatternError(`dangling quantifier ${text}`);
      default:
        return { kind: 'characters', choices: [text] };
    }
  }

  private parseGroup(): PatternNode {
    if (this.peek() === '?') {
      if (this.source[this.position + 1] !== ':') throw new UnsupportedPatternError('lookaround or named group');
      this.position += 2;
    }
    const inner = this.parseAlternation();
    if (this.peek() !== ')') throw new UnsupportedPatternError('unclosed group');
    this.position += 1;
    return inner;
  }

  private parseEscape(): readonly string[] {
    const escaped = this.source[this.position];
    if (escaped === undefined) throw new UnsupportedPatternError('trailing backslash');
    this.position += 1;
    switch (escaped) {
      case 'd':
        return digits;
      case 'w':
        return wordCharacters;
      case 's':
        return [' '];
      case 'D':
      case 'S':
        return lowerLetters;
      case 'W':
        return ['-', ' ', '.'];
      case 'n':
        return ['\n'];
      case 't':
        return ['\t'];
      case 'u':
      case 'x':
        return [this.parseHexEscape(escaped === 'u' ? 4 : 2)];
      default:
        if (/[0-9bBpPk]/.test(escaped)) throw new UnsupportedPatternError(`escape \\${escaped}`);
        return [escaped];
    }
  }

  private parseHexEscape(length: number): string {
    const hex = this.source.slice(this.position, this.position + length);
    if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== length) throw new UnsupportedPatternError('bad hex escape');
    this.position += length;
    return String.fromCharCode(parseInt(hex, 16));
  }

  private parseClassCharacter(): string | readonly string[] {
    const character = this.source[this.position];
    if (character === undefined) throw new UnsupportedPatternError('unclosed class');
    if (character === '\\') {
      this.position += 1;
      const set = this.parseEscape();
      return set.length === 1 ? set[0]! : set;
    }
    const text = String.fromCodePoint(this.source.codePointAt(this.position)!);
    this.position += text.length;
    return text;
  }

  private parseClass(): PatternNode {
    const negated = this.peek() === '^';
    if (negated) this.position += 1;
    const members = new Set<string>();
    let first = true;
    while (this.peek() !== ']' || first) {
      if (this.peek() === undefined) throw new UnsupportedPatternError('unclosed class');
      first = false;
      const start = this.parseClassCharacter();
      if (typeof start === 'string' && this.peek() === '-' && this.source[this.position + 1] !== ']') {
        this.position += 1;
        const end = this.parseClassCharacter();
        if (typeof end !== 'string') throw new UnsupportedPatternError('range to a class');
        for (const member of codePointsBetween(start.codePointAt(0)!, end.codePointAt(0)!)) members.add(member);
      } else if (typeof start === 'string') {
        members.add(start);
      } else {
        for (const member of start) members.add(member);
      }
    }
    this.position += 1;
    const choices = negated ? printableAscii.filter((member) => !members.has(member)) : [...members];
    if (choices.length === 0) throw new UnsupportedPatternError('empty class');
    return { kind: 'characters', choices };
  }

  private parseQuantifier(atom: PatternNode): PatternNode {
    const next = this.peek();
    let minimum: number;
    let maximum: number;
    if (next === '*' || next === '+' || next === '?') {
      this.position += 1;
      minimum = next === '+' ? 1 : 0;
      maximum = next === '?' ? 1 : minimum + extraRepetitions;
    } else if (next === '{') {
      const match = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.position));
      if (match === null) throw new UnsupportedPatternError('bad braces');
      this.position += match[0].length;
      minimum = Number(match[1]);
      maximum = match[2] === undefined ? minimum : match[3] === '' ? minimum + extraRepetitions : Number(match[3]);
    } else {
      return atom;
    }
    if (this.peek() === '?' || this.peek() === '+') this.position += 1;
    return { kind: 'repeat', node: atom, minimum, maximum };
  }
}

function generateNode(node: PatternNode, random: SeededRandom): string {
  switch (node.kind) {
    case 'characters':
      return random.pick(node.choices);
    case 'sequence':
      return node.items.map((item) => generateNode(item, random)).join('');
    case 'alternation':
      return generateNode(random.pick(node.options), random);
    case 'repeat': {
      const count = random.integerBetween(node.minimum, node.maximum);
      let text = '';
      for (let index = 0; index < count; index += 1) text += generateNode(node.node, random);
      return text;
    }
  }
}

/** A generator for the pattern, or undefined when it uses syntax outside the supported subset. */
export function compilePattern(pattern: string): CompiledPattern | undefined {
  let expression: RegExp;
  let tree: PatternNode;
  try {
    expression = new RegExp(pattern, 'u');
    tree = new PatternParser(pattern).parse();
  } catch {
    return undefined;
  }
  return { expression, generate: (random) => generateNode(tree, random) };
}
