/**
 * What each template (interrogation) would make documents with now — its template and schema hashes,
 * and the options an attempt would record with this configuration — for staleness (`docs list --stale`,
 * `pipeline rebuild --stale`, the server's documents routes).
 */
import type { HolocronConfig } from '../config/config-schema.ts';
import type { CurrentDefinition } from '../documents/find-stale-documents.ts';
import { currentDefinitionOf } from '../documents/interrogation-hashes.ts';
import type { InterrogationRegistry } from '../interrogations/interrogation-registry.ts';
import { recordedOptions } from '../pipeline/create-interrogation-handler.ts';
import type { GenerationOptions } from '../providers/llm-provider.ts';

/** The configuration's generation options, as a worker sends them under an interrogation's own. */
export function generationOf(config: HolocronConfig): GenerationOptions {
  return {
    temperature: config.ollama.temperature,
    seed: config.ollama.seed ?? undefined,
    maxOutputTokens: config.ollama.numPredict ?? undefined,
  };
}

export function currentDefinitions(registry: InterrogationRegistry, generation: GenerationOptions): (template: string) => CurrentDefinition | undefined {
  return (template) => {
    if (!registry.has(template)) return undefined;
    const interrogation = registry.get(template);
    return currentDefinitionOf(interrogation, recordedOptions(interrogation, generation));
  };
}
