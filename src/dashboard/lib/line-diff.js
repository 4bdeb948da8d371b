/**
 * A line diff (longest common subsequence over lines, after trimming the common head and tail, so a
 * retry's prompt — the same text plus a feedback section — costs next to nothing), and hunks that keep
 * a few lines of context around each change, like `diff -u`.
 */

/** Cells of the LCS table above which the middle is shown as removed + added instead (keeps the page fast). */
const maxCells = 4_000_000;

/** `[{ op: 'equal' | 'remove' | 'add', text, oldLine?, newLine? }]`, line numbers from 1. */
export function diffLines(before, after) {
  const a = splitLines(before);
  const b = splitLines(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head += 1;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail += 1;
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  const ops = [];
  for (let index = 0; index < head; index += 1) ops.push({ op: 'equal', text: a[index] });
  ops.push(...middle(midA, midB));
  for (let index = a.length - tail; index < a.length; index += 1) ops.push({ op: 'equal', text: a[index] });
  let oldLine = 0;
  let newLine = 0;
  for (const entry of ops) {
    if (entry.op !== 'add') entry.oldLine = ++oldLine;
    if (entry.op !== 'remove') entry.newLine = ++newLine;
  }
  return ops;
}

function splitLines(text) {
  const value = String(text ?? '');
  if (value === '') return [];
  const lines = value.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

function middle(a, b) {
  if (a.length === 0) return b.map((text) => ({ op: 'add', text }));
  if (b.length === 0) return a.map((text) => ({ op: 'remove', text }));
  if (a.length * b.length > maxCells) return [...a.map((text) => ({ op: 'remove', text })), ...b.map((text) => ({ op: 'add', text }))];
  const width = b.length + 1;
  const table = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i -= 1) {
    for (let j = b.length - 1; j >= 0; j -= 1) {
      table[i * width + j] = a[i] === b[j] ? table[(i + 1) * width + j + 1] + 1 : Math.max(table[(i + 1) * width + j], table[i * width + j + 1]);
    }
  }
  const ops = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      ops.push({ op: 'equal', text: a[i] });
      i += 1;
      j += 1;
    } else if (table[(i + 1) * width + j] >= table[i * width + j + 1]) {
      ops.push({ op: 'remove', text: a[i] });
      i += 1;
    } else {
      ops.push({ op: 'add', text: b[j] });
      j += 1;
    }
  }
  while (i < a.length) ops.push({ op: 'remove', text: a[i++] });
  while (j < b.length) ops.push({ op: 'add', text: b[j++] });
  return ops;
}

/**
 * Groups a diff into hunks with `context` unchanged lines around changes:
 * `[{ lines: ops[], skippedBefore: number }]`; `[]` when nothing changed.
 */
export function diffHunks(ops, context = 3) {
  const changed = ops.map((entry, index) => (entry.op === 'equal' ? -1 : index)).filter((index) => index >= 0);
  if (changed.length === 0) return [];
  const hunks = [];
  let start = Math.max(0, changed[0] - context);
  let end = Math.min(ops.length - 1, changed[0] + context);
  let previousEnd = -1;
  const flush = () => {
    hunks.push({ skippedBefore: start - previousEnd - 1, lines: ops.slice(start, end + 1) });
    previousEnd = end;
  };
  for (const index of changed.slice(1)) {
    if (index - context <= end + 1) end = Math.min(ops.length - 1, index + context);
    else {
      flush();
      start = index - context;
      end = Math.min(ops.length - 1, index + context);
    }
  }
  flush();
  return hunks;
}

/** How many lines were added and removed. */
export function diffStats(ops) {
  let added = 0;
  let removed = 0;
  for (const entry of ops) {
    if (entry.op === 'add') added += 1;
    else if (entry.op === 'remove') removed += 1;
  }
  return { added, removed };
}
