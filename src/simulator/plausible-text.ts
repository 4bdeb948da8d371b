/**
 * Makes simulated answers read like answers: words are drawn from the user's own message, and string
 * formats (date, email, uri, ...) produce values a JSON Schema validator accepts.
 */
import type { SeededRandom } from './seeded-random.ts';

const fallbackVocabulary: readonly string[] = [
  'evidence', 'record', 'report', 'statement', 'source', 'witness', 'document', 'summary', 'finding',
  'account', 'entry', 'detail', 'claim', 'archive', 'reference', 'observation', 'context', 'subject',
];

const maximumScannedCharacters = 2000;
const maximumWords = 400;
const wordPattern = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;

/** Distinct words (3+ characters) of a text, in order of appearance; a neutral vocabulary when too few. */
export function extractWords(text: string): readonly string[] {
  const scanned = text.length > maximumScannedCharacters ? text.slice(0, maximumScannedCharacters) : text;
  const seen = new Set<string>();
  for (const match of scanned.matchAll(wordPattern)) {
    const word = match[0];
    if (word.length >= 3) seen.add(word);
    if (seen.size >= maximumWords) break;
  }
  return seen.size >= 3 ? [...seen] : [...seen, ...fallbackVocabulary];
}

/** The capitalised words among `words` (likely names and places); may be empty. */
export function capitalizedWords(words: readonly string[]): readonly string[] {
  return words.filter((word) => /^\p{Lu}/u.test(word));
}

export function capitalize(word: string): string {
  return word.length === 0 ? word : word[0]!.toUpperCase() + word.slice(1);
}

export function pickWords(words: readonly string[], random: SeededRandom, count: number): string {
  const picked: string[] = [];
  for (let index = 0; index < count; index += 1) picked.push(random.pick(words));
  return picked.join(' ');
}

export function sentence(words: readonly string[], random: SeededRandom, wordCount: number): string {
  return `${capitalize(pickWords(words, random, wordCount))}.`;
}

/** Lowercase ASCII letters and digits only, for emails, hostnames and URL paths. */
export function asciiSlug(words: readonly string[], random: SeededRandom, fallback: string): string {
  const slug = random
    .pick(words)
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]/g, '');
  return slug.length > 0 ? slug : fallback;
}

/** Unicode code points in a string: the length JSON Schema (and Ajv) measure. */
export function codePointLength(text: string): number {
  let length = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) index += 1;
    length += 1;
  }
  return length;
}

export function sliceCodePoints(text: string, count: number): string {
  let consumed = 0;
  let index = 0;
  while (index < text.length && consumed < count) {
    const code = text.charCodeAt(index);
    index += code >= 0xd800 && code <= 0xdbff && index + 1 < text.length ? 2 : 1;
    consumed += 1;
  }
  return text.slice(0, index);
}

/** Adjusts a text to [minimumLength, maximumLength] code points by appending words or cutting. */
export function fitLength(
  text: string,
  minimumLength: number,
  maximumLength: number,
  words: readonly string[],
  random: SeededRandom,
): string {
  let fitted = text;
  let guard = 0;
  while (codePointLength(fitted) < minimumLength && guard < 10_000) {
    fitted = fitted.length === 0 ? random.pick(words) : `${fitted} ${random.pick(words)}`;
    guard += 1;
  }
  if (codePointLength(fitted) > maximumLength) fitted = sliceCodePoints(fitted, maximumLength);
  if (fitted.endsWith(' ')) fitted = `${fitted.slice(0, -1)}.`;
  return fitted;
}

function twoDigits(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

function randomDate(random: SeededRandom): string {
  const year = random.integerBetween(2015, 2025);
  const month = random.integerBetween(1, 12);
  const day = random.integerBetween(1, 28);
  return `${year}-${twoDigits(month)}-${twoDigits(day)}`;
}

function randomTime(random: SeededRandom): string {
  return `${twoDigits(random.integerBetween(0, 23))}:${twoDigits(random.integerBetween(0, 59))}:${twoDigits(random.integerBetween(0, 59))}Z`;
}

function randomHex(random: SeededRandom, length: number): string {
  let hex = '';
  while (hex.length < length) hex += random.nextUint32().toString(16).padStart(8, '0');
  return hex.slice(0, length);
}

function randomUuid(random: SeededRandom): string {
  const hex = randomHex(random, 32);
  const variant = '89ab'[random.integerBetween(0, 3)]!;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A value for a JSON Schema string `format`, or undefined when the format is not one we know. */
export function formattedString(format: string, words: readonly string[], random: SeededRandom): string | undefined {
  switch (format) {
    case 'date':
      return randomDate(random);
    case 'date-time':
      return `${randomDate(random)}T${randomTime(random)}`;
    case 'time':
      return randomTime(random);
    case 'email':
    case 'idn-email':
      return `${asciiSlug(words, random, 'someone')}.${asciiSlug(words, random, 'mail')}@example.com`;
    case 'uri':
    case 'url':
    case 'iri':
      return `https://example.com/${asciiSlug(words, random, 'page')}/${asciiSlug(words, random, 'item')}`;
    case 'uri-reference':
    case 'iri-reference':
      return `/${asciiSlug(words, random, 'page')}/${asciiSlug(words, random, 'item')}`;
    case 'hostname':
    case 'idn-hostname':
      return `${asciiSlug(words, random, 'host')}.example.com`;
    case 'ipv4':
      return `192.0.2.${random.integerBetween(1, 254)}`;
    case 'ipv6':
      return `2001:db8::${random.integerBetween(1, 65535).toString(16)}`;
    case 'uuid':
      return randomUuid(random);
    case 'duration':
      return `P${random.integerBetween(1, 30)}D`;
    default:
      return undefined;
  }
}

const statedLine = /^\s*[-*]?\s*"?([A-Za-z][A-Za-z0-9 _-]{0,40}?)"?\s*[:=]\s*"?([^"\n]{1,200}?)"?\s*,?\s*$/;

/**
 * Key–value pairs a prompt states one per line (`Entity id: luke_skywalker`, `"entity_id": "x"`), keyed
 * by their snake_case form (`entity_id`). The first statement of a key wins; sentences are skipped.
 */
export function statedValues(text: string): ReadonlyMap<string, string> {
  const stated = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = statedLine.exec(line);
    if (!match) continue;
    const key = match[1]!.trim().toLowerCase().replace(/[\s-]+/g, '_');
    const value = match[2]!.trim();
    // Values, not instructions: short, at most four words, not a sentence.
    const isValue = value.length <= 60 && value.split(/\s+/).length <= 4 && !/[.;!?]$/.test(value);
    if (value && isValue && !stated.has(key)) stated.set(key, value);
  }
  return stated;
}
