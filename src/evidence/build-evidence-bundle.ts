/**
 * Builds the evidence bundle a prompt is rendered from: inline evidence from the job input plus files read
 * (confined to the evidence root) at bundle time, each hashed, cut to a per-item budget and, together, to a
 * total budget. The bundle is a versioned, JSON-serialisable contract (saved as evidence.json) and is
 * deterministic: the same inputs always give the same bundle JSON.
 *
 * Characters are counted as JavaScript string length (UTF-16 code units); a cut never splits a surrogate pair.
 */
import { sha256Hex } from '../support/sha256-hex.ts';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { resolveEvidencePath, resolveEvidenceRoot } from './resolve-evidence-path.ts';

/** The one place evidence budgets are defined. */
export const defaultEvidenceLimits = { maxItemChars: 20_000, maxTotalChars: 60_000 } as const;

export const evidenceBundleVersion = 1;

export const inlineEvidenceSchema = z
  .object({
    evidence_id: z.string().min(1),
    source_uri: z.string(),
    text: z.string(),
  })
  .strict();
export type InlineEvidence = z.infer<typeof inlineEvidenceSchema>;

export const evidenceReferenceSchema = z
  .object({
    /** Relative to the evidence root (or absolute, inside it). */
    path: z.string().min(1),
    /** Defaults to `file:<n>`, n being the 1-based position among the references. */
    evidence_id: z.string().min(1).optional(),
    /** Defaults to `file:<path relative to the evidence root>`. */
    source_uri: z.string().optional(),
  })
  .strict();
export type EvidenceRef = z.infer<typeof evidenceReferenceSchema>;

export const evidenceItemSchema = z
  .object({
    evidence_id: z.string().min(1),
    source_uri: z.string(),
    kind: z.enum(['inline', 'file']),
    /** For files: the path relative to the evidence root, with `/` separators. */
    path: z.string().optional(),
    /** SHA-256 (hex) of the full original text, UTF-8 encoded, before any truncation. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    original_chars: z.number().int().nonnegative(),
    chars: z.number().int().nonnegative(),
    truncated: z.boolean(),
    text: z.string(),
  })
  .strict();
export type EvidenceItem = z.infer<typeof evidenceItemSchema>;

export const droppedEvidenceSchema = z
  .object({
    evidence_id: z.string().min(1),
    /** Why the item is not in the bundle. */
    reason: z.enum(['max_total_chars_reached']),
  })
  .strict();
export type DroppedEvidence = z.infer<typeof droppedEvidenceSchema>;

export const evidenceBundleSchema = z
  .object({
    bundle_version: z.literal(evidenceBundleVersion),
    items: z.array(evidenceItemSchema),
    /** Sum of the items' `chars`. */
    total_chars: z.number().int().nonnegative(),
    /** True when any item was cut or any item was dropped. */
    truncated: z.boolean(),
    limits: z
      .object({
        max_item_chars: z.number().int().positive(),
        max_total_chars: z.number().int().positive(),
      })
      .strict(),
    dropped: z.array(droppedEvidenceSchema),
  })
  .strict();
export type EvidenceBundle = z.infer<typeof evidenceBundleSchema>;

export interface BuildEvidenceBundleOptions {
  inline?: readonly InlineEvidence[];
  refs?: readonly EvidenceRef[];
  /** Required when `refs` is not empty. */
  evidenceRoot?: string;
  /** Defaults to `defaultEvidenceLimits.maxItemChars`. */
  maxItemChars?: number;
  /** Defaults to `defaultEvidenceLimits.maxTotalChars`. */
  maxTotalChars?: number;
}

/** A problem with the evidence itself (duplicate ids, bad limits, unreadable text). Path problems are `EvidencePathError`. */
export class EvidenceBundleError extends Error {
  override readonly name = 'EvidenceBundleError';
}

/** Parses (and checks) a bundle read back from JSON, e.g. a lake's evidence.json. */
export function parseEvidenceBundle(value: unknown): EvidenceBundle {
  return evidenceBundleSchema.parse(value);
}

interface Candidate {
  evidence_id: string;
  source_uri: string;
  kind: 'inline' | 'file';
  path?: string;
  text: string;
}

/** The first `length` UTF-16 units of `text`, one fewer if the cut would split a surrogate pair. */
function cut(text: string, length: number): string {
  if (text.length <= length) return text;
  let end = length;
  const last = text.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end -= 1;
  return text.slice(0, end);
}

function checkLimit(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new EvidenceBundleError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

async function readReference(reference: EvidenceRef, position: number, evidenceRoot: string, realRoot: string): Promise<Candidate> {
  const absolutePath = await resolveEvidencePath(evidenceRoot, reference.path);
  const relativePath = path.relative(realRoot, absolutePath).split(path.sep).join('/');
  let text: string;
  try {
    text = utf8.decode(await readFile(absolutePath));
  } catch (error) {
    const reason = error instanceof TypeError ? 'is not valid UTF-8 text' : `could not be read: ${String(error)}`;
    throw new EvidenceBundleError(`evidence file ${JSON.stringify(reference.path)} ${reason}`, { cause: error });
  }
  return {
    evidence_id: reference.evidence_id ?? `file:${position}`,
    source_uri: reference.source_uri ?? `file:${relativePath}`,
    kind: 'file',
    path: relativePath,
    text,
  };
}

export async function buildEvidenceBundle(options: BuildEvidenceBundleOptions): Promise<EvidenceBundle> {
  const maxItemChars = checkLimit('maxItemChars', options.maxItemChars ?? defaultEvidenceLimits.maxItemChars);
  const maxTotalChars = checkLimit('maxTotalChars', options.maxTotalChars ?? defaultEvidenceLimits.maxTotalChars);
  const inline = options.inline ?? [];
  const references = options.refs ?? [];

  const candidates: Candidate[] = inline.map((evidence, index) => {
    const parsed = inlineEvidenceSchema.safeParse(evidence);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(item)'}: ${issue.message}`);
      throw new EvidenceBundleError(`inline evidence #${index + 1} is invalid: ${problems.join('; ')}`);
    }
    return { ...parsed.data, kind: 'inline' as const };
  });

  if (references.length > 0) {
    if (options.evidenceRoot === undefined) {
      throw new EvidenceBundleError('evidence file references were given but no evidence root is configured');
    }
    const realRoot = await resolveEvidenceRoot(options.evidenceRoot);
    // Sequential on purpose: the first failing reference is reported, whatever the timing.
    for (const [index, reference] of references.entries()) {
      const parsed = evidenceReferenceSchema.safeParse(reference);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(reference)'}: ${issue.message}`);
        throw new EvidenceBundleError(`evidence reference #${index + 1} is invalid: ${problems.join('; ')}`);
      }
      candidates.push(await readReference(parsed.data, index + 1, options.evidenceRoot, realRoot));
    }
  }

  const seen = new Set<string>();
  for (const candidate of candidates) {
    if (seen.has(candidate.evidence_id)) {
      throw new EvidenceBundleError(`duplicate evidence_id ${JSON.stringify(candidate.evidence_id)}: every evidence item needs its own id`);
    }
    seen.add(candidate.evidence_id);
  }

  const items: EvidenceItem[] = [];
  const dropped: DroppedEvidence[] = [];
  let remaining = maxTotalChars;
  for (const candidate of candidates) {
    let text = cut(candidate.text, maxItemChars);
    text = cut(text, remaining);
    if (remaining <= 0 || (text.length === 0 && candidate.text.length > 0)) {
      dropped.push({ evidence_id: candidate.evidence_id, reason: 'max_total_chars_reached' });
      continue;
    }
    remaining -= text.length;
    items.push({
      evidence_id: candidate.evidence_id,
      source_uri: candidate.source_uri,
      kind: candidate.kind,
      ...(candidate.path === undefined ? {} : { path: candidate.path }),
      sha256: sha256Hex(candidate.text),
      original_chars: candidate.text.length,
      chars: text.length,
      truncated: text.length < candidate.text.length,
      text,
    });
  }

  return {
    bundle_version: evidenceBundleVersion,
    items,
    total_chars: items.reduce((sum, item) => sum + item.chars, 0),
    truncated: dropped.length > 0 || items.some((item) => item.truncated),
    limits: { max_item_chars: maxItemChars, max_total_chars: maxTotalChars },
    dropped,
  };
}
