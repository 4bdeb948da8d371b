/**
 * Named parsers for free-text answers. A stage names one (`parser: fenced-block`); its result is the
 * document's parsed.txt (or parsed.json for `json`). A parser that finds nothing to take reports why,
 * and the attempt is recorded as a `parse_error` document (the raw answer is kept either way).
 */
export type ParseResult = { ok: true; text: string; json?: unknown } | { ok: false; error: string };

export type TextParser = (raw: string) => ParseResult;

const fencePattern = /```[^\n`]*\n([\s\S]*?)\n?```/g;

function fencedBlocks(raw: string): string[] {
  return [...raw.matchAll(fencePattern)].map((match) => match[1]!);
}

// Opening lines a model puts before the answer: "Sure! Here is the essay:", "Certainly, below is …".
const preamblePattern = /^\s*(sure|certainly|of course|okay|ok|absolutely|here(?:'s| is| are)|below is|as requested)\b[^\n]*\n+/i;

export const textParsers: Readonly<Record<string, TextParser>> = {
  /** The answer exactly as it came. */
  identity: (raw) => ({ ok: true, text: raw }),
  /** Leading and trailing whitespace removed. */
  trim: (raw) => ({ ok: true, text: raw.trim() }),
  /** The content of the first ``` fenced block. */
  'fenced-block': (raw) => {
    const blocks = fencedBlocks(raw);
    return blocks.length > 0 ? { ok: true, text: blocks[0]! } : { ok: false, error: 'the answer has no ``` fenced block' };
  },
  /** The content of the last ``` fenced block. */
  'last-fenced-block': (raw) => {
    const blocks = fencedBlocks(raw);
    return blocks.length > 0 ? { ok: true, text: blocks[blocks.length - 1]! } : { ok: false, error: 'the answer has no ``` fenced block' };
  },
  /** Drops a chatty opening line ("Sure, here is the essay:") and surrounding whitespace. */
  'strip-preamble': (raw) => {
    const text = raw.replace(preamblePattern, '').trim();
    return text.length > 0 ? { ok: true, text } : { ok: false, error: 'nothing is left once the preamble is removed' };
  },
  /** A JSON value: the whole answer, or the first fenced block. */
  json: (raw) => {
    for (const candidate of [raw, ...fencedBlocks(raw)]) {
      try {
        const json: unknown = JSON.parse(candidate);
        return { ok: true, text: `${JSON.stringify(json, null, 2)}\n`, json };
      } catch {
        // try the next candidate
      }
    }
    return { ok: false, error: 'the answer is not JSON and has no fenced block that is' };
  },
};

export const textParserNames = Object.keys(textParsers);

export function getTextParser(name: string): TextParser {
  const parser = textParsers[name];
  if (!parser) throw new Error(`unknown parser "${name}"; known: ${textParserNames.join(', ')}`);
  return parser;
}
