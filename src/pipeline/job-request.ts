/**
 * What a user asks for when enqueueing — from CLI flags, a JSONL line or the library — and its
 * validation at the door: the interrogation must exist, the input must meet its contract, evidence
 * files must exist inside the evidence root. Every problem is collected (with its line number for
 * JSONL) and nothing is enqueued unless all requests are valid.
 */
import path from 'node:path';
import { z } from 'zod';
import { EvidencePathError, resolveEvidencePath, resolveEvidenceRoot } from '../evidence/resolve-evidence-path.ts';
import type { InterrogationRegistry } from '../interrogations/interrogation-registry.ts';
import type { EvidenceRef, JobSpec } from '../queue/enqueue-jobs.ts';

const inlineEvidence = z.union([
  z.string().min(1, 'evidence text is empty'),
  z.object({ evidence_id: z.string().min(1).optional(), source_uri: z.string().min(1).optional(), text: z.string().min(1) }).strict(),
]);

const evidenceFile = z.union([
  z.string().min(1),
  z.object({ path: z.string().min(1), evidence_id: z.string().min(1).optional(), source_uri: z.string().min(1).optional() }).strict(),
]);

export const jobRequestSchema = z
  .object({
    interrogation: z.string().min(1).optional(),
    /** The interrogation input; the entity fields and evidence below are merged into it. */
    input: z.record(z.unknown()).optional(),
    entity_type: z.string().min(1).optional(),
    entity_id: z.string().min(1).optional(),
    /** Inline evidence: texts or `{evidence_id, source_uri, text}`; goes to `input.extra_params.evidence`. */
    evidence: z.array(inlineEvidence).optional(),
    /** Files read when the job runs, relative to the evidence root. */
    evidence_files: z.array(evidenceFile).optional(),
    priority: z.number().int().optional(),
    model: z.string().min(1).optional(),
    max_attempts: z.number().int().min(1).optional(),
    dedupe_key: z.string().min(1).optional(),
    run_label: z.string().min(1).optional(),
    delay_seconds: z.number().min(0).optional(),
  })
  .strict();

export type JobRequest = z.infer<typeof jobRequestSchema>;

export interface JobRequestContext {
  registry: InterrogationRegistry;
  evidenceRoot: string;
  /** Used when a request names no interrogation. */
  defaultInterrogation?: string;
  defaults: { priority: number; maxAttempts: number };
}

export interface RequestProblem {
  /** Where the request came from: `line 3`, `job 1`, `flags`. */
  where: string;
  message: string;
}

export class JobRequestError extends Error {
  override readonly name = 'JobRequestError';
  constructor(readonly problems: RequestProblem[]) {
    const shown = problems.slice(0, 20).map((problem) => `${problem.where}: ${problem.message}`);
    if (problems.length > 20) shown.push(`… and ${problems.length - 20} more`);
    super(`${problems.length === 1 ? 'The job is' : `${problems.length} problems;`} not valid, nothing was enqueued:\n  ${shown.join('\n  ')}`);
  }
}

export interface LabelledRequest {
  where: string;
  request: unknown;
}

/** Validates every request and turns it into a queue JobSpec; throws JobRequestError listing all problems. */
export async function prepareJobSpecs(requests: readonly LabelledRequest[], context: JobRequestContext): Promise<JobSpec[]> {
  const problems: RequestProblem[] = [];
  const specs: JobSpec[] = [];
  let evidenceRoot: string | null = null;
  for (const { where, request } of requests) {
    const parsed = jobRequestSchema.safeParse(request);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push({ where, message: `${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}` });
      }
      continue;
    }
    const job = parsed.data;
    const key = job.interrogation ?? context.defaultInterrogation;
    if (!key) {
      problems.push({ where, message: 'no interrogation named (give "interrogation", or --interrogation)' });
      continue;
    }
    if (!context.registry.has(key)) {
      problems.push({ where, message: `unknown interrogation "${key}"; known: ${context.registry.keys().join(', ')}` });
      continue;
    }
    const interrogation = context.registry.get(key);
    const input = buildInput(job);
    const validation = context.registry.validateInput(key, input);
    if (!validation.ok) {
      problems.push({ where, message: `input does not meet the ${key} input contract: ${validation.errors.join('; ')}` });
      continue;
    }
    let evidenceRefs: EvidenceRef[] = [];
    if (job.evidence_files && job.evidence_files.length > 0) {
      try {
        evidenceRoot ??= await resolveEvidenceRoot(context.evidenceRoot);
      } catch (error) {
        problems.push({ where, message: (error as Error).message });
        continue;
      }
      const resolved = await resolveEvidenceFiles(job.evidence_files, evidenceRoot, context.evidenceRoot);
      if ('problem' in resolved) {
        problems.push({ where, message: resolved.problem });
        continue;
      }
      evidenceRefs = resolved.refs;
    }
    specs.push({
      interrogationKey: key,
      input: validation.value,
      evidenceRefs,
      modelHint: job.model ?? null,
      priority: job.priority ?? interrogation.defaults.priority ?? context.defaults.priority,
      maxAttempts: job.max_attempts ?? interrogation.defaults.maxAttempts ?? context.defaults.maxAttempts,
      dedupeKey: job.dedupe_key ?? null,
      runLabel: job.run_label ?? null,
      delayMs: job.delay_seconds !== undefined ? Math.round(job.delay_seconds * 1000) : undefined,
    });
  }
  if (problems.length > 0) throw new JobRequestError(problems);
  return specs;
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
