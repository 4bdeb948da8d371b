/** The named parsers for free-text answers. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getTextParser } from '../src/documents/text-parsers.ts';

describe('text parsers', () => {
  it('takes the first or last fenced block, or says there is none', () => {
    const raw = 'Here you go:\n```markdown\nfirst block\nline two\n```\nand\n```\nsecond\n```\n';
    assert.deepEqual(getTextParser('fenced-block')(raw), { ok: true, text: 'first block\nline two' });
    assert.deepEqual(getTextParser('last-fenced-block')(raw), { ok: true, text: 'second' });
    const none = getTextParser('fenced-block')('no fence at all');
    assert.equal(none.ok, false);
  });

  it('strips a chatty preamble and keeps an answer without one', () => {
    assert.deepEqual(getTextParser('strip-preamble')('Sure! Here is the essay you asked for:\n\nLuke was born on Tatooine.\n'), {
      ok: true,
      text: 'Luke was born on Tatooine.',
    });
    assert.deepEqual(getTextParser('strip-preamble')('Luke was born on Tatooine.'), { ok: true, text: 'Luke was born on Tatooine.' });
    assert.equal(getTextParser('strip-preamble')('Certainly, here it is:\n').ok, false);
  });

  it('reads JSON from the whole answer or a fenced block', () => {
    const whole = getTextParser('json')('{"a":1}');
    assert.ok(whole.ok && (whole.json as { a: number }).a === 1);
    const fenced = getTextParser('json')('The score:\n```json\n{"score": 4}\n```');
    assert.ok(fenced.ok && (fenced.json as { score: number }).score === 4);
    assert.equal(getTextParser('json')('not json').ok, false);
  });

  it('refuses an unknown parser by name', () => {
    assert.throws(() => getTextParser('nope'), /unknown parser "nope"; known: identity, trim/);
  });
});
