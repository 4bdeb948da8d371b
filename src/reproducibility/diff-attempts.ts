/**
 * `holocron diff <attempt> <attempt>`: what differs between two attempts' calls and answers — the
 * prompt (message by message, with the first differing line), the output schema (which JSON paths),
 * the generation options (per key), the model identity (name, digest), the endpoint (id, kind, base
 * URL), the fingerprint — and, in the outputs, which fields were added, removed or changed. Reads the
 * request.json of each (checked against its sha256) and the outputs as SQL holds them.
 */
import type { HolocronDatabase } from '../database/open-database.ts';
import type { Lake } from '../lake/lake.ts';
import type { RequestRecord } from '../pipeline/request-record.ts';
import { canonicalJson } from './canonical-json.ts';
import { storedRequest } from './replay-attempt.ts';
import { loadAttempt, type StoredAttempt } from './stored-attempt.ts';

export interface ValueChange {
  path: string;
  before: unknown;
  after: unknown;
  /** `changed`, `added` (only in the second) or `removed` (only in the first). */
  change: 'changed' | 'added' | 'removed';
}

export interface AttemptDiff {
  before: { runId: string; jobId: number };
  after: { runId: string; jobId: number };
  sameFingerprint: boolean;
  fingerprints: [string | null, string | null];
  prompt: { same: boolean; messages: { index: number; role: string; firstDifferentLine?: { line: number; before: string; after: string } }[] };
  schema: { same: boolean; changes: ValueChange[] };
  options: { same: boolean; changes: ValueChange[] };
  model: { same: boolean; changes: ValueChange[] };
  endpoint: { same: boolean; changes: ValueChange[] };
  output: { same: boolean; changes: ValueChange[] };
}

export async function diffAttempts(dependencies: { database: HolocronDatabase; lake: Lake }, first: string, second: string): Promise<AttemptDiff> {
  const a = await loadAttempt(dependencies.database, first);
  const b = await loadAttempt(dependencies.database, second);
  const requestA = await requestOf(dependencies.lake, a);
  const requestB = await requestOf(dependencies.lake, b);
  const messagesA = requestA?.request.messages ?? [];
  const messagesB = requestB?.request.messages ?? [];
  const messages: AttemptDiff['prompt']['messages'] = [];
  for (let index = 0; index < Math.max(messagesA.length, messagesB.length); index++) {
    const x = messagesA[index];
    const y = messagesB[index];
    if (x && y && x.role === y.role && x.content === y.content) continue;
    messages.push({ index, role: `${x?.role ?? '(none)'}${x?.role === y?.role ? '' : ` → ${y?.role ?? '(none)'}`}`, firstDifferentLine: firstDifferentLine(x?.content ?? '', y?.content ?? '') });
  }
  const section = (x: unknown, y: unknown) => {
    const changes = valueChanges(x ?? null, y ?? null);
    return { same: changes.length === 0, changes };
  };
  const identity = (attempt: StoredAttempt) => ({ name: attempt.run.model_name, tag: attempt.run.model_tag, digest: attempt.run.model_digest, backendKind: attempt.run.provider });
  const endpoint = (attempt: StoredAttempt) => ({ endpointId: attempt.run.endpoint_id, baseUrl: attempt.run.base_url, url: attempt.run.source_kind === 'cache_hit' ? '(served from the cache)' : null });
  const optionsOf = (attempt: StoredAttempt) => (attempt.run.options === null ? null : JSON.parse(attempt.run.options));
  const outputOf = (attempt: StoredAttempt) => (attempt.run.output === null ? null : typeof attempt.run.output === 'string' ? JSON.parse(attempt.run.output) : attempt.run.output);
  return {
    before: { runId: a.run.id, jobId: Number(a.job.id) },
    after: { runId: b.run.id, jobId: Number(b.job.id) },
    sameFingerprint: a.run.fingerprint !== null && a.run.fingerprint === b.run.fingerprint,
    fingerprints: [a.run.fingerprint, b.run.fingerprint],
    prompt: { same: messages.length === 0, messages },
    schema: section(requestA?.request.schema, requestB?.request.schema),
    options: section(optionsOf(a), optionsOf(b)),
    model: section(identity(a), identity(b)),
    endpoint: section(endpoint(a), endpoint(b)),
    output: section(outputOf(a), outputOf(b)),
  };
}

async function requestOf(lake: Lake, attempt: StoredAttempt): Promise<RequestRecord | null> {
  if (!attempt.artifacts.some((artifact) => artifact.artifact_type === 'request')) return null;
  try {
    return (await storedRequest(lake, attempt)).record;
  } catch (error) {
    // A request that never went out still has its neutral request: read it as it is.
    if (/never went out/.test((error as Error).message)) {
      const artifact = attempt.artifacts.find((entry) => entry.artifact_type === 'request')!;
      return JSON.parse((await lake.read(artifact.lake_path)).toString('utf8')) as RequestRecord;
    }
    throw error;
  }
}

function firstDifferentLine(before: string, after: string): { line: number; before: string; after: string } | undefined {
  const x = before.split('\n');
  const y = after.split('\n');
  for (let index = 0; index < Math.max(x.length, y.length); index++) {
    if (x[index] !== y[index]) return { line: index + 1, before: x[index] ?? '(none)', after: y[index] ?? '(none)' };
  }
  return undefined;
}

/** The JSON paths (`/facts/0/value`) at which two values differ. */
export function valueChanges(before: unknown, after: unknown, path = ''): ValueChange[] {
  if (canonicalJson(before ?? null) === canonicalJson(after ?? null)) return [];
  const bothObjects = isObject(before) && isObject(after);
  const bothArrays = Array.isArray(before) && Array.isArray(after);
  if (bothObjects) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => {
      const next = `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      if (!(key in before)) return [{ path: next, before: undefined, after: after[key], change: 'added' as const }];
      if (!(key in after)) return [{ path: next, before: before[key], after: undefined, change: 'removed' as const }];
      return valueChanges(before[key], after[key], next);
    });
  }
  if (bothArrays) {
    const changes: ValueChange[] = [];
    for (let index = 0; index < Math.max(before.length, after.length); index++) {
      const next = `${path}/${index}`;
      if (index >= before.length) changes.push({ path: next, before: undefined, after: after[index], change: 'added' });
      else if (index >= after.length) changes.push({ path: next, before: before[index], after: undefined, change: 'removed' });
      else changes.push(...valueChanges(before[index], after[index], next));
    }
    return changes;
  }
  return [{ path: path || '/', before, after, change: 'changed' }];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
