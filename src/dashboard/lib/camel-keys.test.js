import assert from 'node:assert/strict';
import { test } from 'node:test';
import { camelKeys } from './camel-keys.js';

test('snake_case keys become camelCase one level deep; values are left alone', () => {
  assert.deepEqual(camelKeys({ doc_id: 'a', parent_doc_id: null, usage_prompt_tokens: 3, meta_small: { finish_reason: 'stop' }, p95: 1 }), {
    docId: 'a',
    parentDocId: null,
    usagePromptTokens: 3,
    metaSmall: { finish_reason: 'stop' },
    p95: 1,
  });
  assert.deepEqual(camelKeys({ docId: 'b' }), { docId: 'b' });
  assert.equal(camelKeys(null), null);
  assert.deepEqual(camelKeys([1]), [1]);
});
