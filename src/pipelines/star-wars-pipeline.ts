/**
 * The built-in example pipeline over the Star Wars set: facts (structured, `sw_entity_facts_v1`) →
 * essay (free text from the facts) → evaluation (a rubric-scored judgement of the essay against the
 * facts). `npm run demo` runs it; `holocron pipeline run --example star-wars` does too.
 */
export const starWarsPipelineFile = {
  name: 'star-wars-essays',
  description: 'Facts about each entity, an essay written from them, and a judgement of the essay.',
  stages: [
    { name: 'facts', interrogation: 'sw_entity_facts_v1' },
    {
      name: 'essay',
      after: 'facts',
      interrogation: 'sw_entity_essay_v1',
      input: { entity_type: '=item.entity_type', entity_id: '=item.entity_id', facts: '=parent.text' },
    },
    {
      name: 'evaluation',
      after: 'essay',
      interrogation: 'sw_essay_evaluation_v1',
      input: { entity_id: '=item.entity_id', essay: '=parent.text', facts: '=stage.facts.text' },
    },
  ],
};
