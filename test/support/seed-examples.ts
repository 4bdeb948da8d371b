/** The seed's worked example for sw_entity_facts_v1 (phase1-runner.md), shared by the contract tests. */
export const seedOutput = {
  entity_type: 'character',
  entity_id: 'luke_skywalker',
  entity_name: 'Luke Skywalker',
  facts: [
    { fact_key: 'species', value: 'Human', unit: null, confidence: 1.0, evidence_ids: ['e1'], notes: null },
    { fact_key: 'birth_year', value: 19, unit: 'BBY', confidence: 1.0, evidence_ids: ['e1'], notes: null },
  ],
};
