import assert from 'node:assert/strict';
import { test } from 'node:test';
import { layoutLineage } from './lineage-layout.js';

const node = (docId) => ({ docId, stage: 'facts', stale: false });

test('ancestors to the left, descendants to the right by generation', () => {
  const lineage = {
    nodes: ['root', 'parent', 'me', 'kid1', 'kid2', 'grandkid'].map(node),
    edges: [
      { from: 'root', to: 'parent' },
      { from: 'parent', to: 'me' },
      { from: 'me', to: 'kid1' },
      { from: 'me', to: 'kid2' },
      { from: 'kid2', to: 'grandkid' },
    ],
  };
  const { positions, edges, width, height } = layoutLineage(lineage, 'me', { columnWidth: 100, rowHeight: 10 });
  assert.deepEqual(
    ['root', 'parent', 'me', 'kid1', 'kid2', 'grandkid'].map((id) => positions.get(id).column),
    [-2, -1, 0, 1, 1, 2],
  );
  assert.equal(positions.get('root').x, 0);
  assert.equal(positions.get('me').x, 200);
  assert.equal(positions.get('grandkid').x, 400);
  assert.equal(width, 500);
  assert.equal(height, 20);
  // kid1 and kid2 share a column, one row apart; the single nodes are centred on the column.
  assert.equal(Math.abs(positions.get('kid1').y - positions.get('kid2').y), 10);
  assert.equal(positions.get('me').y, 5);
  assert.equal(edges.length, 5);
  assert.equal(edges[0].source, positions.get('root'));
});

test('children follow their parent\'s row', () => {
  const lineage = {
    nodes: ['me', 'b', 'a', 'b1', 'a1'].map(node),
    edges: [
      { from: 'me', to: 'b' },
      { from: 'me', to: 'a' },
      { from: 'b', to: 'b1' },
      { from: 'a', to: 'a1' },
    ],
  };
  const { positions } = layoutLineage(lineage, 'me');
  assert.ok(positions.get('a').y < positions.get('b').y);
  assert.ok(positions.get('a1').y < positions.get('b1').y);
});

test('a lone document, and edges to unknown nodes ignored', () => {
  const { positions, edges } = layoutLineage({ nodes: [node('me')], edges: [{ from: 'ghost', to: 'me' }] }, 'me');
  assert.equal(positions.size, 1);
  assert.equal(edges.length, 0);
});
