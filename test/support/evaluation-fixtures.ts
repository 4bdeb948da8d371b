/**
 * A small evaluation with a known answer: 40 characters, two fake "models" that differ by a known amount.
 * Model A gets the birth year wrong for every third item (i % 3 == 0), model B for every tenth (i % 10 == 0),
 * so on exact match A passes 26/40, B 36/40; 12 items improve, 2 regress (10 and 20).
 */
import type { HolocronDatabase } from '../../src/database/open-database.ts';
import type { DatasetItem } from '../../src/evaluations/dataset.ts';
import { evaluate, type EvaluationResult } from '../../src/evaluations/evaluate.ts';
import { exactMatch, latency, listMatch } from '../../src/evaluations/metrics/builtin-metrics.ts';

export const fixtureItems: DatasetItem[] = Array.from({ length: 40 }, (_, index) => ({
  id: `c${index}`,
  input: { name: `character ${index}` },
  expected: { facts: [{ fact_key: 'birth_year', value: index }, { fact_key: 'homeworld', value: 'Tatooine' }] },
}));

export function fixtureMetrics() {
  return [exactMatch({ normalize: {} }), listMatch({ key: 'fact_key' }), latency()];
}

export function answerFor(index: number, wrongEvery: number) {
  return { facts: [{ fact_key: 'birth_year', value: index % wrongEvery === 0 ? index + 1 : index }, { fact_key: 'homeworld', value: 'tatooine' }] };
}

export async function evaluateFixture(database: HolocronDatabase, model: 'model-a' | 'model-b', overrides: { items?: DatasetItem[]; name?: string; tags?: string[]; project?: string } = {}): Promise<EvaluationResult> {
  const wrongEvery = model === 'model-a' ? 3 : 10;
  return evaluate({
    database,
    task: async (input) => answerFor(Number(String((input as { name: string }).name).split(' ')[1]), wrongEvery),
    dataset: overrides.items ?? fixtureItems,
    metrics: fixtureMetrics(),
    name: overrides.name ?? `characters with ${model}`,
    description: `Star Wars characters answered by ${model}`,
    project: overrides.project ?? 'demo',
    tags: overrides.tags ?? ['nightly', model],
    model,
    interrogation: 'sw_entity_facts_v1',
    createdBy: 'ana@example.com',
    datasetName: 'characters.jsonl',
  });
}
