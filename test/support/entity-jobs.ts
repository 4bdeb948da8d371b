/** `count` sw_entity_facts_v1 jobs under one run label, each with its own entity and one line of evidence. */
import type { JobSpec } from '../../src/queue/enqueue-jobs.ts';

export function entityJobSpecs(count: number, label: string): JobSpec[] {
  return Array.from({ length: count }, (_, index) => ({
    interrogationKey: 'sw_entity_facts_v1',
    input: {
      entity_type: 'character',
      entity_id: `${label}_${index}`,
      source_refs: [],
      extra_params: { evidence: [{ evidence_id: 'e1', source_uri: 'test', text: `Entity ${index} was born on Tatooine.` }] },
    },
    priority: 100,
    maxAttempts: 3,
    runLabel: label,
  }));
}
