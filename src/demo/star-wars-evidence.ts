/** The demo's evidence set: short descriptions of Star Wars entities, one job each. */
export interface DemoEntity {
  entity_type: string;
  entity_id: string;
  evidence: string[];
}

export const starWarsEntities: DemoEntity[] = [
  { entity_type: 'character', entity_id: 'luke_skywalker', evidence: ['Luke Skywalker was a human male Jedi who was instrumental in defeating the Galactic Empire during the Galactic Civil War. Born on Tatooine in 19 BBY, Luke was the son of Anakin Skywalker and Padmé Amidala.'] },
  { entity_type: 'character', entity_id: 'leia_organa', evidence: ['Leia Organa, born in 19 BBY, was raised on Alderaan by Bail and Breha Organa. She served as a senator and became a leader of the Rebel Alliance.', 'Leia was the twin sister of Luke Skywalker.'] },
  { entity_type: 'character', entity_id: 'han_solo', evidence: ['Han Solo was a human smuggler from Corellia who captained the Millennium Falcon with his Wookiee co-pilot Chewbacca.'] },
  { entity_type: 'character', entity_id: 'darth_vader', evidence: ['Darth Vader, once the Jedi Knight Anakin Skywalker, was a Sith Lord who served the Galactic Empire. He was born on Tatooine in 41 BBY.'] },
  { entity_type: 'character', entity_id: 'obi_wan_kenobi', evidence: ['Obi-Wan Kenobi was a human Jedi Master who trained Anakin Skywalker. He lived in exile on Tatooine under the name Ben Kenobi.'] },
  { entity_type: 'character', entity_id: 'yoda', evidence: ['Yoda was a Jedi Grand Master about 66 centimetres tall who lived for 900 years. He spent his final years in exile on Dagobah.'] },
  { entity_type: 'character', entity_id: 'chewbacca', evidence: ['Chewbacca was a Wookiee warrior from Kashyyyk, about 2.28 metres tall, and the co-pilot of the Millennium Falcon.'] },
  { entity_type: 'character', entity_id: 'padme_amidala', evidence: ['Padmé Amidala was elected Queen of Naboo at the age of fourteen and later represented Naboo in the Galactic Senate.'] },
  { entity_type: 'character', entity_id: 'lando_calrissian', evidence: ['Lando Calrissian was the administrator of Cloud City on Bespin and a former owner of the Millennium Falcon. He became a general of the Rebel Alliance.'] },
  { entity_type: 'character', entity_id: 'boba_fett', evidence: ['Boba Fett was a Mandalorian-armoured bounty hunter, an unaltered clone of Jango Fett, who delivered Han Solo to Jabba the Hutt.'] },
  { entity_type: 'droid', entity_id: 'r2_d2', evidence: ['R2-D2 was an astromech droid manufactured by Industrial Automaton. He served Padmé Amidala, Anakin Skywalker and Luke Skywalker.'] },
  { entity_type: 'droid', entity_id: 'c_3po', evidence: ['C-3PO was a protocol droid built by Anakin Skywalker on Tatooine, fluent in over six million forms of communication.'] },
  { entity_type: 'planet', entity_id: 'tatooine', evidence: ['Tatooine is a desert planet in the Outer Rim orbiting twin suns, Tatoo I and Tatoo II. It was controlled by Hutt crime lords.'] },
  { entity_type: 'planet', entity_id: 'hoth', evidence: ['Hoth is an ice planet, the sixth in its system, where the Rebel Alliance built Echo Base before the Empire attacked in 3 ABY.'] },
  { entity_type: 'planet', entity_id: 'endor', evidence: ['The forest moon of Endor is home to the Ewoks. The Empire built a shield generator there to protect the second Death Star.'] },
  { entity_type: 'planet', entity_id: 'naboo', evidence: ['Naboo is a planet in the Mid Rim with grassy plains and swamps, home to the human Naboo and the amphibious Gungans. Its capital is Theed.'] },
  { entity_type: 'planet', entity_id: 'dagobah', evidence: ['Dagobah is a swamp planet in the Outer Rim where Yoda lived in exile and trained Luke Skywalker.'] },
  { entity_type: 'starship', entity_id: 'millennium_falcon', evidence: ['The Millennium Falcon is a modified YT-1300 light freighter built by the Corellian Engineering Corporation. It made the Kessel Run in less than twelve parsecs.'] },
  { entity_type: 'starship', entity_id: 'x_wing', evidence: ['The T-65B X-wing starfighter, built by Incom Corporation, carried four laser cannons and two proton torpedo launchers and was flown by the Rebel Alliance.'] },
  { entity_type: 'starship', entity_id: 'death_star', evidence: ['The first Death Star was a moon-sized battle station about 120 kilometres in diameter whose superlaser could destroy a planet. It was destroyed at the Battle of Yavin in 0 BBY.'] },
  { entity_type: 'organization', entity_id: 'rebel_alliance', evidence: ['The Alliance to Restore the Republic, known as the Rebel Alliance, was formed in 2 BBY to oppose the Galactic Empire.'] },
  { entity_type: 'organization', entity_id: 'jedi_order', evidence: ['The Jedi Order was an ancient monastic order of Force users headquartered in the Jedi Temple on Coruscant, nearly destroyed by Order 66 in 19 BBY.'] },
  { entity_type: 'species', entity_id: 'wookiee', evidence: ['Wookiees are a species of tall, hairy humanoids native to Kashyyyk, known for their strength and a lifespan of several centuries.'] },
  { entity_type: 'weapon', entity_id: 'lightsaber', evidence: ['A lightsaber is a plasma blade weapon powered by a kyber crystal, used by the Jedi and the Sith.'] },
];

/** Written to a file in the demo's evidence folder, to show evidence file references. */
export const evidenceFileDemo = {
  entity_type: 'planet',
  entity_id: 'coruscant',
  fileName: 'coruscant.txt',
  text: 'Coruscant is a city-covered planet in the Core Worlds. It served as the capital of the Galactic Republic and later of the Galactic Empire, and housed the Jedi Temple.\n',
};
