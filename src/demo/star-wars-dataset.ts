/**
 * The demo's evaluation set: the Star Wars entities with their ground truth (what a perfect extraction of
 * their evidence says), as evaluation items `{id, input, evidence, expected}`. The simulator is given the
 * same file as its answers (`--answers`), keyed by the entity id that the prompt names, so two simulated
 * models of known accuracy differ by a known amount.
 */
import type { DatasetItem } from '../evaluations/dataset.ts';
import { starWarsEntities } from './star-wars-evidence.ts';

type Fact = [key: string, value: string | number | boolean | null, unit?: string];

const groundTruth: Record<string, { name: string; facts: Fact[] }> = {
  luke_skywalker: { name: 'Luke Skywalker', facts: [['species', 'human'], ['gender', 'male'], ['homeworld', 'Tatooine'], ['birth_year', 19, 'BBY']] },
  leia_organa: { name: 'Leia Organa', facts: [['birth_year', 19, 'BBY'], ['homeworld', 'Alderaan'], ['affiliation', 'Rebel Alliance']] },
  han_solo: { name: 'Han Solo', facts: [['species', 'human'], ['homeworld', 'Corellia'], ['occupation', 'smuggler']] },
  darth_vader: { name: 'Darth Vader', facts: [['affiliation', 'Galactic Empire'], ['homeworld', 'Tatooine'], ['birth_year', 41, 'BBY']] },
  obi_wan_kenobi: { name: 'Obi-Wan Kenobi', facts: [['species', 'human'], ['rank', 'Jedi Master']] },
  yoda: { name: 'Yoda', facts: [['height', 66, 'cm'], ['age', 900, 'years'], ['rank', 'Jedi Grand Master']] },
  chewbacca: { name: 'Chewbacca', facts: [['species', 'Wookiee'], ['homeworld', 'Kashyyyk'], ['height', 2.28, 'm']] },
  padme_amidala: { name: 'Padmé Amidala', facts: [['homeworld', 'Naboo'], ['occupation', 'senator']] },
  lando_calrissian: { name: 'Lando Calrissian', facts: [['occupation', 'administrator of Cloud City'], ['rank', 'general']] },
  boba_fett: { name: 'Boba Fett', facts: [['occupation', 'bounty hunter']] },
  r2_d2: { name: 'R2-D2', facts: [['class', 'astromech droid'], ['manufacturer', 'Industrial Automaton']] },
  c_3po: { name: 'C-3PO', facts: [['class', 'protocol droid'], ['creator', 'Anakin Skywalker']] },
  tatooine: { name: 'Tatooine', facts: [['climate', 'desert'], ['region', 'Outer Rim'], ['suns', 2]] },
  hoth: { name: 'Hoth', facts: [['climate', 'ice'], ['orbital_position', 6]] },
  endor: { name: 'Endor', facts: [['terrain', 'forest'], ['native_species', 'Ewok']] },
  naboo: { name: 'Naboo', facts: [['region', 'Mid Rim'], ['capital', 'Theed']] },
  dagobah: { name: 'Dagobah', facts: [['terrain', 'swamp'], ['region', 'Outer Rim']] },
  millennium_falcon: { name: 'Millennium Falcon', facts: [['model', 'YT-1300 light freighter'], ['manufacturer', 'Corellian Engineering Corporation']] },
  x_wing: { name: 'T-65B X-wing', facts: [['manufacturer', 'Incom Corporation'], ['laser_cannons', 4]] },
  death_star: { name: 'Death Star', facts: [['diameter', 120, 'km'], ['destroyed', 0, 'BBY']] },
  rebel_alliance: { name: 'Rebel Alliance', facts: [['founded', 2, 'BBY']] },
  jedi_order: { name: 'Jedi Order', facts: [['headquarters', 'Jedi Temple'], ['location', 'Coruscant']] },
  wookiee: { name: 'Wookiee', facts: [['homeworld', 'Kashyyyk']] },
  lightsaber: { name: 'lightsaber', facts: [['power_source', 'kyber crystal']] },
};

export const starWarsDataset: DatasetItem[] = starWarsEntities.map((entity) => {
  const truth = groundTruth[entity.entity_id];
  if (!truth) throw new Error(`no ground truth for ${entity.entity_id}`);
  return {
    id: entity.entity_id,
    input: { entity_type: entity.entity_type, entity_id: entity.entity_id },
    evidence: entity.evidence,
    expected: {
      entity_type: entity.entity_type,
      entity_id: entity.entity_id,
      entity_name: truth.name,
      facts: truth.facts.map(([key, value, unit]) => ({ fact_key: key, value, unit: unit ?? null, confidence: 1, evidence_ids: ['e1'], notes: null })),
    },
  };
});

export function starWarsDatasetJsonl(): string {
  return starWarsDataset.map((item) => JSON.stringify(item)).join('\n') + '\n';
}
