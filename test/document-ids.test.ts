/** Document IDs and logical keys: shape, uniqueness over a million, determinism across processes. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { docIdAlphabet, docIdLength, isDocId, newDocId } from '../src/documents/doc-id.ts';
import { logicalKeyId } from '../src/documents/logical-key.ts';

describe('document ids', () => {
  it('a million ids: all 14 base62 characters, no collision, every character used evenly', () => {
    const seen = new Set<string>();
    const counts = new Map<string, number>();
    const total = 1_000_000;
    for (let index = 0; index < total; index += 1) {
      const id = newDocId();
      seen.add(id);
      if (index < 20_000) for (const character of id) counts.set(character, (counts.get(character) ?? 0) + 1);
    }
    assert.equal(seen.size, total);
    for (const id of [...seen].slice(0, 1000)) assert.ok(isDocId(id), id);
    assert.equal([...seen][0]!.length, docIdLength);
    // 280,000 characters over 62 symbols: about 4,516 each; a biased generator would stray far further.
    assert.equal(counts.size, docIdAlphabet.length);
    const expected = (20_000 * docIdLength) / 62;
    for (const [character, count] of counts) assert.ok(Math.abs(count - expected) < expected * 0.1, `${character}: ${count}`);
  });

  it('logical keys are deterministic, 16 base36 characters, and differ when any part differs', () => {
    const parts = { stage: 'essay', source: 'Abc123', template: 'sw_entity_essay_v1', model: 'llama3.2' };
    const key = logicalKeyId(parts);
    assert.match(key, /^[0-9a-z]{16}$/);
    assert.equal(logicalKeyId({ ...parts }), key);
    // Keys are stored: these were taken before sha256 went through crypto.hash, and must never change.
    assert.equal(logicalKeyId({ stage: 'facts', source: 'luke_skywalker', template: 'sw_entity_facts_v1', model: 'llama3.2' }), '4obybi3d6odwc5xd');
    assert.equal(logicalKeyId({ stage: 'é', source: '"x"\n', template: '', model: '😀' }), '355z7vyeu9dz6h5z');
    const variants = [
      { ...parts, stage: 'facts' },
      { ...parts, source: 'Abc124' },
      { ...parts, template: 'other' },
      { ...parts, model: 'qwen2.5:7b' },
      // A separator inside a part cannot make two tuples meet.
      { stage: 'essay|Abc123', source: '', template: 'sw_entity_essay_v1', model: 'llama3.2' },
    ];
    assert.equal(new Set([key, ...variants.map(logicalKeyId)]).size, variants.length + 1);
  });

  it('another process computes the same logical key', () => {
    const parts = { stage: 'facts', source: 'luke_skywalker', template: 'sw_entity_facts_v1', model: 'llama3.2' };
    const script = `import { logicalKeyId } from './src/documents/logical-key.ts'; process.stdout.write(logicalKeyId(${JSON.stringify(parts)}));`;
    const other = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(other, logicalKeyId(parts));
  });
});
