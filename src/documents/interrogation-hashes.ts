/**
 * What a document records about the template that made it: a hash of everything that shapes the prompt
 * (system prompt, template, rubric) and of the output schema (null for a free-text interrogation).
 * Comparing them with the registry's current interrogations is how staleness sees a changed stage.
 */
import type { Interrogation } from '../interrogations/interrogation.ts';
import type { CurrentDefinition } from './find-stale-documents.ts';
import { contentHash } from './logical-key.ts';

// An interrogation is one object, never changed, for the life of the process (the registry's, or one loaded
// from a file): its hashes are taken once, not once per document — every attempt records both.
const templateHashes = new WeakMap<Interrogation, string>();
const schemaHashes = new WeakMap<Interrogation, string | null>();

export function templateHashOf(interrogation: Interrogation): string {
  let hash = templateHashes.get(interrogation);
  if (hash === undefined) {
    hash = contentHash({
      systemPrompt: interrogation.systemPrompt ?? null,
      promptTemplate: interrogation.promptTemplate,
      rubric: interrogation.rubric ?? null,
    });
    templateHashes.set(interrogation, hash);
  }
  return hash;
}

export function schemaHashOf(interrogation: Interrogation): string | null {
  let hash = schemaHashes.get(interrogation);
  if (hash === undefined) {
    hash = interrogation.outputSchema ? contentHash(interrogation.outputSchema) : null;
    schemaHashes.set(interrogation, hash);
  }
  return hash;
}

/**
 * What a stage's documents would be made with now. With `options` (what an attempt would record now:
 * src/pipeline/create-interrogation-handler.ts `recordedOptions`), the options are compared too.
 */
export function currentDefinitionOf(interrogation: Interrogation, options?: unknown): CurrentDefinition {
  return {
    templateHash: templateHashOf(interrogation),
    schemaHash: schemaHashOf(interrogation),
    ...(options !== undefined ? { optionsHash: options === null ? null : contentHash(options) } : {}),
  };
}
