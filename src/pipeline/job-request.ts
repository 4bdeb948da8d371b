/**
 * What a user asks for when enqueueing — from CLI flags, a JSONL line or the library — and its
 * validation at the door: the interrogation must exist, the input must meet its contract, evidence
 * files must exist inside the evidence root. Every problem is collected (with its line number for
 * JSONL) and nothing is enqueued unless all requests are valid.
 */
import path from 'node:path';
import { EvidencePathError, resolveEvidencePath, resolveEvidenceRoot } from '../evidence/resolve-evidence-path.ts';
import type { InterrogationRegistry } from '../interrogations/interrogation-registry.ts';
import type { EvidenceRef, JobSpec } from '../queue/enqueue-jobs.ts';
import { defaultJobKind, type JobKindRegistry } from '../worker/job-kind-registry.ts';
import { describeValue, jobRequestBounds, parseJobRequest, type JobRequest } from './job-request-contract.ts';

export { jobRequestBounds, jobRequestFields, jobRequestSchema, type JobRequest } from './job-request-contract.ts';

export interface JobRequestContext {
  registry: InterrogationRegistry;
  evidenceRoot: string;
  /** Used when a request names no interrogation. */
  defaultInterrogation?: string;
  defaults: { priority: number; maxAttempts: number };
  /** The kinds other than 'interrogation' that may be enqueued (they validate their own input). */
  kinds?: JobKindRegistry;
}

/** Fields only an interrogation job has. */
const interrogationFields = ['interrogation', 'entity_type', 'entity_id', 'evidence', 'evidence_files'] as const;

export interface RequestProblem {
  /** Where the request came from: `jobs.jsonl line 3`, `job 1`, `flags`. */
  where: string;
  /** The JSONL line number, when the request came from a file. */
  line?: number;
  /** The field the problem is about (`max_attempts`, `evidence[2].text`); '' for the job as a whole. */
  field: string;
  message: string;
}

export class JobRequestError extends Error {
  override readonly name = 'JobRequestError';
  constructor(readonly problems: RequestProblem[]) {
    const shown = problems.slice(0, 20).map((problem) => `${problem.where}: ${problem.field ? `${problem.field}: ` : ''}${problem.message}`);
    if (problems.length > 20) shown.push(`… and ${problems.length - 20} more`);
    super(`${problems.length === 1 ? 'The job is' : `${problems.length} problems;`} not valid, nothing was enqueued:\n  ${shown.join('\n  ')}`);
  }
}

export interface LabelledRequest {
  where: string;
  request: unknown;
  /** The JSONL line number, kept on its problems. */
  line?: number;
  /** How fields are named to whoever wrote the request (the CLI names flags: `max_attempts` → `--max-attempts`). */
  fieldNames?: Readonly<Record<string, string>>;
}

/** Validates every request and turns it into a queue JobSpec; throws JobRequestError listing all problems. */
export async function prepareJobSpecs(requests: readonly LabelledRequest[], context: JobRequestContext): Promise<JobSpec[]> {
  const problems: RequestProblem[] = [];
  const specs: JobSpec[] = [];
  let evidenceRoot: string | null = null;
  const firstWithKey = new Map<string, string>();
  for (const { where, request, line, fieldNames } of requests) {
    const problem = (field: string, message: string) => {
      const top = /^[a-z_]+/.exec(field)?.[0];
      const named = top && fieldNames?.[top] ? fieldNames[top] + field.slice(top.length) : field;
      problems.push({ where, ...(line !== undefined ? { line } : {}), field: named, message });
    };
    const parsed = parseJobRequest(request);
    if (!parsed.ok) {
      for (const { field, message } of parsed.problems) problem(field, message);
      continue;
    }
    const job = parsed.request;
    if (job.dedupe_key !== undefined) {
      const first = firstWithKey.get(job.dedupe_key);
      if (first !== undefined) {
        problem('dedupe_key', `${describeValue(job.dedupe_key)} is also the key of ${first}; a dedupe key names one job`);
        continue;
      }
      firstWithKey.set(job.dedupe_key, where);
    }
    if (job.kind !== undefined && job.kind !== defaultJobKind) {
      const spec = prepareOtherKind(job, job.kind, context);
      if ('problem' in spec) problem(spec.field, spec.problem);
      else specs.push(spec);
      continue;
    }
    const key = job.interrogation ?? context.defaultInterrogation;
    if (!key) {
      problem('interrogation', 'no interrogation named (give "interrogation", or --interrogation)');
      continue;
    }
    if (!context.registry.has(key)) {
      problem('interrogation', `unknown interrogation ${JSON.stringify(key.length > 60 ? `${key.slice(0, 60)}…` : key)}; known: ${context.registry.keys().join(', ')}`);
      continue;
    }
    const interrogation = context.registry.get(key);
    const input = buildInput(job);
    const stored = JSON.stringify(input).length;
    if (stored > jobRequestBounds.inputJsonChars) {
      problem('input', `with the entity fields and evidence merged in, the input is ${stored.toLocaleString('en-US')} characters of JSON; at most ${jobRequestBounds.inputJsonChars.toLocaleString('en-US')}`);
      continue;
    }
    const validation = context.registry.validateInput(key, input);
    if (!validation.ok) {
      problem('input', `does not meet the ${key} input contract: ${validation.errors.join('; ')}`);
      continue;
    }
    let evidenceRefs: EvidenceRef[] = [];
    if (job.evidence_files && job.evidence_files.length > 0) {
      try {
        evidenceRoot ??= await resolveEvidenceRoot(context.evidenceRoot);
      } catch (error) {
        problem('evidence_files', (error as Error).message);
        continue;
      }
      const resolved = await resolveEvidenceFiles(job.evidence_files, evidenceRoot, context.evidenceRoot);
      if ('problem' in resolved) {
        problem('evidence_files', resolved.problem);
        continue;
      }
      evidenceRefs = resolved.refs;
    }
    specs.push({
      parentJobId: job.parent_job_id ?? null,
      interrogationKey: key,
      input: validation.value,
      evidenceRefs,
      modelHint: job.model ?? null,
      priority: job.priority ?? interrogation.defaults.priority ?? context.defaults.priority,
      maxAttempts: job.max_attempts ?? interrogation.defaults.maxAttempts ?? context.defaults.maxAttempts,
      dedupeKey: job.dedupe_key ?? null,
      runLabel: job.run_label ?? null,
      delayMs: job.delay_seconds !== undefined ? Math.round(job.delay_seconds * 1000) : undefined,
      repeatIndex: job.repeat,
      cacheMode: job.cache,
    });
  }
  if (problems.length > 0) throw new JobRequestError(problems);
  return specs;
}

/** A job of a registered kind other than 'interrogation': its spec, or what is wrong. */
function prepareOtherKind(job: JobRequest, kindName: string, context: JobRequestContext): JobSpec | { field: string; problem: string } {
  const kind = context.kinds?.get(kindName);
  if (!kind) {
    const shown = JSON.stringify(kindName.length > 60 ? `${kindName.slice(0, 60)}…` : kindName);
    return { field: 'kind', problem: `unknown job kind ${shown}; known: ${[defaultJobKind, ...(context.kinds?.names() ?? [])].join(', ')}` };
  }
  const misplaced = interrogationFields.filter((field) => job[field] !== undefined);
  if (misplaced.length > 0) {
    return { field: misplaced[0]!, problem: `${misplaced.map((field) => `"${field}"`).join(', ')} apply to interrogation jobs only, not to ${kindName} jobs` };
  }
  const input = job.input ?? {};
  const validation = kind.validate ? kind.validate(input) : { ok: true as const, value: input };
  if (!validation.ok) return { field: 'input', problem: `does not meet the ${kindName} kind's contract: ${validation.errors.join('; ')}` };
  return {
    kind: kindName,
    parentJobId: job.parent_job_id ?? null,
    interrogationKey: kind.key ?? kindName,
    input: validation.value,
    modelHint: job.model ?? null,
    priority: job.priority ?? context.defaults.priority,
    maxAttempts: job.max_attempts ?? context.defaults.maxAttempts,
    dedupeKey: job.dedupe_key ?? null,
    runLabel: job.run_label ?? null,
    delayMs: job.delay_seconds !== undefined ? Math.round(job.delay_seconds * 1000) : undefined,
    repeatIndex: job.repeat,
    cacheMode: job.cache,
  };
}

function buildInput(job: JobRequest): Record<string, unknown> {
  const input: Record<string, unknown> = { ...(job.input ?? {}) };
  if (job.entity_type !== undefined) input.entity_type = job.entity_type;
  if (job.entity_id !== undefined) input.entity_id = job.entity_id;
  if (job.evidence && job.evidence.length > 0) {
    const extra = { ...((input.extra_params as Record<string, unknown> | undefined) ?? {}) };
    const existing = Array.isArray(extra.evidence) ? (extra.evidence as unknown[]) : [];
    const added = job.evidence.map((item, index) => {
      const number = existing.length + index + 1;
      return typeof item === 'string'
        ? { evidence_id: `e${number}`, source_uri: 'inline', text: item }
        : { evidence_id: item.evidence_id ?? `e${number}`, source_uri: item.source_uri ?? 'inline', text: item.text };
    });
    extra.evidence = [...existing, ...added];
    input.extra_params = extra;
  }
  return input;
}

async function resolveEvidenceFiles(
  files: NonNullable<JobRequest['evidence_files']>,
  realRoot: string,
  configuredRoot: string,
): Promise<{ refs: EvidenceRef[] } | { problem: string }> {
  const refs: EvidenceRef[] = [];
  for (const file of files) {
    const reference = typeof file === 'string' ? { path: file } : file;
    try {
      const absolute = await resolveEvidencePath(configuredRoot, reference.path);
      refs.push({ ...reference, path: path.relative(realRoot, absolute).split(path.sep).join('/') });
    } catch (error) {
      if (error instanceof EvidencePathError) return { problem: error.message };
      throw error;
    }
  }
  return { refs };
}
