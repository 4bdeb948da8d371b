/** Fills a stage's `input` and `evidence` from what feeds it: `=item.…`, `=parent.…`, `=stage.NAME.…`. */

/** What a stage can see: the input item and the documents on its way, by stage name. */
export interface FeedContext {
  item: Record<string, unknown>;
  /** By stage name; `parent` is the stage it comes after. */
  stages: Record<string, FedDocument>;
  parent: string | null;
  /** The run's cache mode (`pipeline run --cache`), carried to every stage's jobs; absent: the worker's. */
  cache?: 'off' | 'read' | 'write' | 'readwrite';
}

export interface FedDocument {
  doc_id: string;
  /** The validated JSON output, or the parsed text of a free-text stage. */
  output: unknown;
  /** The answer as text (JSON pretty-printed for a structured stage). */
  text: string;
}

export class ReferenceError extends Error {
  override readonly name = 'PipelineReferenceError';
}

export function resolveValue(value: unknown, context: FeedContext): unknown {
  if (typeof value === 'string') {
    if (value.startsWith('==')) return value.slice(1);
    if (value.startsWith('=')) return resolveReference(value.slice(1), context);
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, context));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveValue(item, context)]));
  }
  return value;
}

function resolveReference(reference: string, context: FeedContext): unknown {
  const parts = reference.split('.');
  let base: unknown;
  let rest: string[];
  if (parts[0] === 'item') {
    base = context.item;
    rest = parts.slice(1);
  } else {
    const stage = parts[0] === 'parent' ? context.parent : parts[1]!;
    const document = stage ? context.stages[stage] : undefined;
    if (!document) throw new ReferenceError(`=${reference}: no document of stage "${stage ?? '(parent)'}" on the way`);
    base = document;
    rest = parts.slice(parts[0] === 'parent' ? 1 : 2);
  }
  let current = base;
  for (const key of rest) {
    if (current === null || typeof current !== 'object' || !(key in (current as object))) {
      throw new ReferenceError(`=${reference}: there is no "${key}"`);
    }
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Evidence entries resolve to texts: strings as they are, anything else as JSON. */
export function resolveEvidence(entries: readonly string[], context: FeedContext): string[] {
  return entries.map((entry) => {
    const value = resolveValue(entry, context);
    return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  });
}
