/**
 * Lays out a document's lineage for an SVG: the document in the middle column, its ancestors in the
 * columns to the left (root first), its descendants to the right by generation; within a column nodes
 * follow their parent's row, so edges mostly run straight. Edges go parent → child (`from` → `to`).
 */

export function layoutLineage(lineage, focusId, size = {}) {
  const columnWidth = size.columnWidth ?? 200;
  const rowHeight = size.rowHeight ?? 56;
  const nodes = new Map(lineage.nodes.map((node) => [node.docId, node]));
  const children = new Map();
  const parents = new Map();
  for (const edge of lineage.edges) {
    if (!nodes.has(edge.from) || !nodes.has(edge.to)) continue;
    (children.get(edge.from) ?? children.set(edge.from, []).get(edge.from)).push(edge.to);
    (parents.get(edge.to) ?? parents.set(edge.to, []).get(edge.to)).push(edge.from);
  }
  const depth = new Map();
  if (nodes.has(focusId)) depth.set(focusId, 0);
  // Ancestors: follow parents; descendants: follow children (breadth first, each node once).
  for (const [links, step] of [
    [parents, -1],
    [children, 1],
  ]) {
    let frontier = nodes.has(focusId) ? [focusId] : [];
    while (frontier.length > 0) {
      const next = [];
      for (const id of frontier) {
        for (const linked of links.get(id) ?? []) {
          if (depth.has(linked)) continue;
          depth.set(linked, depth.get(id) + step);
          next.push(linked);
        }
      }
      frontier = next;
    }
  }
  // Nodes not connected to the focus (should not happen) go in a column of their own at the end.
  const maxDepth = Math.max(0, ...depth.values());
  for (const id of nodes.keys()) if (!depth.has(id)) depth.set(id, maxDepth + 1);

  const columns = new Map();
  for (const [id, column] of depth) (columns.get(column) ?? columns.set(column, []).get(column)).push(id);
  const ordered = [...columns.keys()].sort((a, b) => a - b);
  const row = new Map();
  for (const column of ordered) {
    const ids = columns.get(column);
    const anchor = (id) => {
      const linked = (column > 0 ? parents.get(id) : children.get(id)) ?? [];
      const rows = linked.map((other) => row.get(other)).filter((value) => value !== undefined);
      return rows.length > 0 ? Math.min(...rows) : 0;
    };
    if (column !== 0) ids.sort((a, b) => anchor(a) - anchor(b) || a.localeCompare(b));
    ids.forEach((id, index) => row.set(id, index));
  }
  // Ancestor columns are laid out from the focus outwards so each follows its child.
  for (const column of [...ordered].filter((value) => value < 0).reverse()) {
    const ids = columns.get(column);
    ids.sort((a, b) => Math.min(...(children.get(a) ?? []).map((id) => row.get(id) ?? 0)) - Math.min(...(children.get(b) ?? []).map((id) => row.get(id) ?? 0)) || a.localeCompare(b));
    ids.forEach((id, index) => row.set(id, index));
  }
  const minColumn = ordered[0] ?? 0;
  const tallest = Math.max(1, ...[...columns.values()].map((ids) => ids.length));
  const positions = new Map();
  for (const [id, column] of depth) {
    const count = columns.get(column).length;
    const offset = ((tallest - count) * rowHeight) / 2;
    positions.set(id, { x: (column - minColumn) * columnWidth, y: offset + row.get(id) * rowHeight, column, node: nodes.get(id) });
  }
  const edges = lineage.edges.filter((edge) => positions.has(edge.from) && positions.has(edge.to)).map((edge) => ({ ...edge, source: positions.get(edge.from), target: positions.get(edge.to) }));
  return { positions, edges, width: ordered.length * columnWidth, height: tallest * rowHeight };
}
