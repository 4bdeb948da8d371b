/**
 * Schema capability warnings: for each interrogation and each endpoint that may serve its jobs, the
 * keywords of its output schema that the endpoint's server will not enforce while decoding (they are
 * only checked afterwards) or will refuse outright. Reported when jobs are enqueued and when a worker
 * starts on interrogations loaded from a folder; answers are validated afterwards either way.
 */
import type { InterrogationRegistry } from '../interrogations/interrogation-registry.ts';
import { modelNamesMatch, type ProviderSet } from '../providers/provider-factory.ts';
import { analyzeSchema, type SchemaAnalysis } from '../providers/schema-support.ts';

export interface SchemaWarning {
  interrogation: string;
  endpointId: string;
  /** The server profile that judged it, e.g. `ollama`, `llama-server`, `openai-strict`. */
  server: string;
  keyword: string;
  /** Where in the output schema (JSON pointer). */
  schemaPath: string;
  /** `checked_after`: not enforced while decoding, validated afterwards; `refused`: the server will reject the schema. */
  status: 'checked_after' | 'refused';
  message: string;
}

export interface SchemaTarget {
  interrogation: string;
  /** The model the jobs ask for: only endpoints that may serve it are checked. */
  model: string;
}

/** Warnings for each distinct target, each endpoint once per interrogation. */
export function schemaWarnings(registry: InterrogationRegistry, providers: ProviderSet, targets: readonly SchemaTarget[]): SchemaWarning[] {
  const warnings: SchemaWarning[] = [];
  const seen = new Set<string>();
  const analyses = new Map<string, SchemaAnalysis>();
  for (const { interrogation: key, model } of targets) {
    if (!registry.has(key)) continue;
    const schema = registry.get(key).outputSchema;
    if (schema === undefined) continue;
    for (const endpoint of providers.endpoints) {
      if (endpoint.models !== null && !endpoint.models.some((listed) => modelNamesMatch(listed, model))) continue;
      const pair = `${key}\u0000${endpoint.id}`;
      if (seen.has(pair)) continue;
      seen.add(pair);
      const support = providers.get(endpoint.id).schemaSupport;
      if (support === undefined) continue;
      const cacheKey = `${key}\u0000${support.server}`;
      let analysis = analyses.get(cacheKey);
      if (analysis === undefined) {
        analysis = analyzeSchema(schema, support);
        analyses.set(cacheKey, analysis);
      }
      for (const finding of analysis.findings) {
        warnings.push({
          interrogation: key,
          endpointId: endpoint.id,
          server: analysis.server,
          keyword: finding.keyword,
          schemaPath: finding.schemaPath,
          status: finding.status,
          message: finding.reason,
        });
      }
    }
  }
  return warnings;
}

/** One line per interrogation and endpoint, for people: `warning: sw_x on endpoint "default" (ollama): …`. */
export function formatSchemaWarnings(warnings: readonly SchemaWarning[]): string[] {
  const groups = new Map<string, SchemaWarning[]>();
  for (const warning of warnings) {
    const key = `${warning.interrogation}\u0000${warning.endpointId}`;
    groups.set(key, [...(groups.get(key) ?? []), warning]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0]!;
    const refused = group.filter((warning) => warning.status === 'refused');
    const after = group.filter((warning) => warning.status === 'checked_after');
    const parts: string[] = [];
    if (refused.length > 0) parts.push(`the server will REFUSE the schema: ${refused.map((warning) => `${warning.schemaPath} (${warning.message})`).join('; ')}`);
    if (after.length > 0) {
      parts.push(`not enforced while decoding, only checked afterwards: ${after.map((warning) => `${warning.keyword} at ${warning.schemaPath}`).join(', ')}`);
    }
    return `warning: ${first.interrogation} on endpoint "${first.endpointId}" (${first.server}): ${parts.join('; ')}`;
  });
}
