/**
 * Generates job requests that a user's script might produce and the door must refuse, each from a valid
 * job with exactly one thing wrong, so the test knows which field the refusal must name. Seeded: the same
 * seed gives the same jobs. Values a JSON file cannot hold (NaN, BigInt, a cycle…) only go to the library.
 */
import { jobRequestBounds as bounds } from '../../src/pipeline/job-request-contract.ts';
import { SeededRandom } from '../../src/simulator/seeded-random.ts';

export type BadJobTarget = 'jsonl' | 'library';

export interface BadJob {
  /** The request itself (for JSONL, written with `toJsonLine`). */
  request: unknown;
  /** The field every problem of this job must name ('' for the job as a whole). */
  field: string;
  /** A short name of what was done, for failure messages. */
  mutation: string;
}

/** A valid job of the built-in interrogation; `n` keeps entity ids and dedupe keys apart. */
export function validJob(n: number, prefix = 'valid'): Record<string, unknown> {
  return {
    interrogation: 'sw_entity_facts_v1',
    entity_type: 'character',
    entity_id: `${prefix}_${n}`,
    evidence: [`Entity ${n} appears in the archives.`],
    priority: 10,
    max_attempts: 2,
    dedupe_key: `${prefix}-${n}`,
    run_label: 'fuzz',
  };
}

const alphabet = ['a', 'z', '0', '_', '-', ' ', 'é', '€', '字', '😀'];

function randomText(random: SeededRandom, length: number): string {
  let text = '';
  while (text.length < length) text += random.pick(alphabet);
  // An astral character counts 2; trim to the exact length without splitting one.
  while (text.length > length) text = text.slice(0, -1);
  return text.length === length ? text : text + 'a';
}

/** A length beyond `max`: just over it, or far over it (up to 100,000 characters). */
function tooLong(random: SeededRandom, max: number): number {
  return random.chance(0.5) ? max + 1 + random.integerBetween(0, 3) : random.integerBetween(max + 1, Math.max(max + 2, 100_000));
}

function outsideRange(random: SeededRandom, range: { min: number; max: number }, integer: boolean): number {
  switch (random.integerBetween(0, 5)) {
    case 0:
      return range.max + 1;
    case 1:
      return range.min - 1;
    case 2:
      return 2 ** random.integerBetween(54, 80); // 2^70 and friends: floats on SQLite, errors on PostgreSQL
    case 3:
      return -(2 ** random.integerBetween(31, 80));
    case 4:
      return integer ? range.min + random.integerBetween(0, 1000) + 0.5 : range.max + random.nextFloat() + 0.001;
    default:
      return random.chance(0.5) ? Infinity : -Infinity;
  }
}

function notANumber(random: SeededRandom): unknown {
  return random.pick<unknown>(['5', 'abc', '', ' ', true, false, null, [], {}, [3], { value: 3 }]);
}

function notAString(random: SeededRandom): unknown {
  return random.pick<unknown>([random.integerBetween(-5, 5), 0, true, null, [], ['text'], {}, { text: 'x' }]);
}

/** A string broken in one of the ways a script breaks strings. */
function badString(random: SeededRandom, max: number, name: boolean): unknown {
  const choices: (() => unknown)[] = [
    () => '',
    () => ' '.repeat(random.integerBetween(1, 5)),
    () => '\t \n',
    () => randomText(random, tooLong(random, max)),
    () => `x${'\u0000'}y`,
    () => `half\ud800`,
    () => '\udc00',
    () => notAString(random),
  ];
  if (name) choices.push(() => `line\nbreak`, () => `esc\u001b[0m`, () => `del\u007f`);
  return random.pick(choices)();
}

function deepObject(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let level = 0; level < depth; level++) value = { nested: value };
  return value;
}

type Mutation = (random: SeededRandom, target: BadJobTarget, job: Record<string, unknown>) => { field: string; mutation: string; request?: unknown } | null;

const mutations: Mutation[] = [
  (random, target, job) => {
    const numeric = random.chance(0.6);
    job.priority = numeric ? outsideRange(random, bounds.priority, true) : target === 'library' && random.chance(0.3) ? random.pick<unknown>([NaN, 5n]) : notANumber(random);
    return { field: 'priority', mutation: `priority ${String(job.priority)}` };
  },
  (random, target, job) => {
    job.max_attempts = random.chance(0.6) ? random.pick([0, -1, ...[outsideRange(random, bounds.maxAttempts, true)]]) : target === 'library' && random.chance(0.3) ? NaN : notANumber(random);
    return { field: 'max_attempts', mutation: `max_attempts ${String(job.max_attempts)}` };
  },
  (random, target, job) => {
    job.delay_seconds = random.chance(0.6) ? random.pick([-1, -0.001, outsideRange(random, bounds.delaySeconds, false)]) : target === 'library' && random.chance(0.3) ? NaN : notANumber(random);
    return { field: 'delay_seconds', mutation: `delay_seconds ${String(job.delay_seconds)}` };
  },
  (random, _target, job) => {
    job.model = random.chance(0.2) ? random.pick(['llama 3', ' llama3.2', 'qwen2.5:7b\t']) : badString(random, bounds.modelChars, true);
    return { field: 'model', mutation: 'model' };
  },
  (random, _target, job) => ((job.run_label = badString(random, bounds.runLabelChars, true)), { field: 'run_label', mutation: 'run_label' }),
  (random, _target, job) => ((job.dedupe_key = badString(random, bounds.dedupeKeyChars, true)), { field: 'dedupe_key', mutation: 'dedupe_key' }),
  (random, _target, job) => ((job.entity_id = badString(random, bounds.entityIdChars, true)), { field: 'entity_id', mutation: 'entity_id' }),
  (random, _target, job) => ((job.entity_type = badString(random, bounds.entityTypeChars, true)), { field: 'entity_type', mutation: 'entity_type' }),
  (random, _target, job) => {
    job.interrogation = random.chance(0.3) ? `no_such_interrogation_v${random.integerBetween(1, 9)}` : badString(random, bounds.interrogationChars, true);
    return { field: 'interrogation', mutation: 'interrogation' };
  },
  (random, _target, job) => {
    const choices: (() => unknown)[] = [
      () => 'a text, not a list',
      () => ({ text: 'x' }),
      () => [badString(random, bounds.evidenceTextChars, false)],
      () => ['fine', null],
      () => [{ text: random.integerBetween(0, 9) }],
      () => [{ text: 'x', page: 1 }],
      () => [{ evidence_id: '', text: 'x' }],
      () => [{ evidence_id: 'e1', source_uri: 'line\nbreak', text: 'x' }],
      () => [{}],
      () => Array.from({ length: bounds.evidenceItems + 1 + random.integerBetween(0, 50) }, (_, index) => `item ${index}`),
    ];
    if (random.chance(0.1)) choices.push(() => ['e'.repeat(bounds.evidenceTextChars + 1)]);
    job.evidence = random.pick(choices)();
    return { field: 'evidence', mutation: 'evidence' };
  },
  (random, _target, job) => {
    job.evidence_files = random.pick<() => unknown>([
      () => 'luke.txt',
      () => [''],
      () => [random.integerBetween(0, 9)],
      () => [{ path: '' }],
      () => [{ path: 'luke.txt', page: 2 }],
      () => ['a\u0000b.txt'],
      () => Array.from({ length: bounds.evidenceFiles + 1 }, () => 'luke.txt'),
      () => ['p'.repeat(bounds.evidencePathChars + 1)],
      () => ['../outside.txt'],
      () => [`missing_${random.integerBetween(1, 99)}.txt`],
    ])();
    return { field: 'evidence_files', mutation: `evidence_files` };
  },
  (random, target, job) => {
    const choices: (() => unknown)[] = [
      () => [],
      () => 'text',
      () => random.integerBetween(0, 9),
      () => null,
      () => deepObject(bounds.inputDepth + random.integerBetween(1, 20)),
      () => ({ source_refs: ['a\u0000b'] }),
      () => ({ ['\ud800key']: 1 }),
      () => ({ source_refs: 'not-a-list' }), // the interrogation's own input contract
      () => ({ unexpected: 1 }),
    ];
    if (target === 'library') {
      choices.push(
        () => ({ source_refs: [NaN] }),
        () => ({ n: 10n }),
        () => ({ when: new Date(0) }),
        () => ({ f: () => 1 }),
        () => ({ m: new Map() }),
        () => {
          const cycle: Record<string, unknown> = {};
          cycle.self = cycle;
          return cycle;
        },
      );
    }
    job.input = random.pick(choices)();
    return { field: 'input', mutation: 'input' };
  },
  (random, _target, job) => {
    const key = random.pick(['maxAttempts', 'Priority', 'runLabel', 'foo', '', 'delay', 'evidence_file', 'k'.repeat(1000)]);
    job[key] = 3;
    return { field: key === '' ? '""' : key.length > 40 ? `${key.slice(0, 40)}…` : key, mutation: `unknown field ${key.slice(0, 20)}` };
  },
  (random) => ({ field: '', mutation: 'not an object', request: random.pick<unknown>([[], [validJob(0)], 5, 'job', null, true, false]) }),
];

/**
 * `count` bad jobs. `duplicateOf` is a dedupe key an earlier valid job of the same batch has: some bad
 * jobs reuse it (a duplicate inside one file is refused, naming dedupe_key).
 */
export function generateBadJobs(random: SeededRandom, count: number, target: BadJobTarget, duplicateOf: string): BadJob[] {
  const jobs: BadJob[] = [];
  for (let index = 0; index < count; index++) {
    const job = validJob(index, 'bad');
    if (random.chance(0.03)) {
      job.dedupe_key = duplicateOf;
      jobs.push({ request: job, field: 'dedupe_key', mutation: 'duplicate dedupe key' });
      continue;
    }
    const result = random.pick(mutations)(random, target, job)!;
    jobs.push({ request: 'request' in result ? result.request : job, field: result.field, mutation: result.mutation });
  }
  return jobs;
}

/** JSON text for a JSONL line; infinities become 1e400, which JSON.parse reads back as Infinity. */
export function toJsonLine(value: unknown): string {
  return JSON.stringify(value, (_key, item) => (item === Infinity ? '__INF__' : item === -Infinity ? '__NEGINF__' : item))
    .replaceAll('"__INF__"', '1e400')
    .replaceAll('"__NEGINF__"', '-1e400');
}
