/**
 * What a document records about the template that made it: a hash of everything that shapes the prompt
 * (system prompt, template, rubric) and of the output schema (null for a free-text interrogation).
 * Comparing them with the registry's current interrogations is how staleness sees a changed stage.
 */
import type { Interrogation } from '../interrogations/interrogation.ts';
import type { CurrentDefinition } from './find-stale-documents.ts';
import { contentHash } from './logical-key.ts';

export function templateHashOf(interrogation: Interrogation): string {
  return contentHash({
    systemPrompt: interrogation.systemPrompt ?? null,
    promptTemplate: interrogation.promptTemplate,
    rubric: interrogation.rubric ?? null,
  });
}

export function schemaHashOf(interrogation: Interrogation): string | null {
  return interrogation.outputSchema ? contentHash(interrogation.outputSchema) : null;
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
