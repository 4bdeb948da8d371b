/**
 * Tests for evidence path confinement and bundle building, against real files (and symlinks) in temp dirs.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  buildEvidenceBundle,
  defaultEvidenceLimits,
  EvidenceBundleError,
  evidenceBundleSchema,
} from '../src/evidence/build-evidence-bundle.ts';
import { EvidencePathError, resolveEvidencePath } from '../src/evidence/resolve-evidence-path.ts';

let workspace: string;
let root: string;
let outside: string;

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

async function expectPathError(promise: Promise<unknown>, code: string, ...mentions: string[]): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof EvidencePathError, `expected EvidencePathError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    for (const mention of mentions) assert.ok(error.message.includes(mention), `"${error.message}" should mention ${mention}`);
    return true;
  });
}

before(async () => {
  workspace = await realpath(await mkdtemp(path.join(tmpdir(), 'holocron-evidence-')));
  root = path.join(workspace, 'evidence');
  outside = path.join(workspace, 'outside');
  await mkdir(path.join(root, 'wookieepedia'), { recursive: true });
  await mkdir(outside);
  await writeFile(path.join(root, 'wookieepedia', 'luke.txt'), 'Luke Skywalker was born on Tatooine in 19 BBY.');
  await writeFile(path.join(root, 'leia.txt'), 'Leia Organa was raised on Alderaan.');
  await writeFile(path.join(outside, 'secret.txt'), 'not evidence');
  await symlink(path.join(outside, 'secret.txt'), path.join(root, 'escape.txt'));
  await symlink(outside, path.join(root, 'escape-dir'));
  await symlink(path.join(root, 'leia.txt'), path.join(root, 'leia-link.txt'));
  await writeFile(path.join(root, 'binary.bin'), Buffer.from([0xff, 0xfe, 0x00, 0xc3]));
});

after(async () => {
  await rm(workspace, { recursive: true, force: true });
});

describe('resolveEvidencePath', () => {
  it('resolves relative and absolute paths inside the root to real absolute paths', async () => {
    const expected = path.join(root, 'wookieepedia', 'luke.txt');
    assert.equal(await resolveEvidencePath(root, 'wookieepedia/luke.txt'), expected);
    assert.equal(await resolveEvidencePath(root, './wookieepedia/../wookieepedia/luke.txt'), expected);
    assert.equal(await resolveEvidencePath(root, expected), expected);
    assert.equal(await resolveEvidencePath(root, 'leia-link.txt'), path.join(root, 'leia.txt'));
  });

  it('refuses .. escapes, naming the path and the root', async () => {
    await expectPathError(resolveEvidencePath(root, '../outside/secret.txt'), 'outside_root', '../outside/secret.txt', root);
    await expectPathError(resolveEvidencePath(root, 'wookieepedia/../../outside/secret.txt'), 'outside_root', root);
  });

  it('refuses absolute paths outside the root even when they exist', async () => {
    await expectPathError(resolveEvidencePath(root, path.join(outside, 'secret.txt')), 'outside_root', 'secret.txt', root);
    await expectPathError(resolveEvidencePath(root, '/etc/passwd'), 'outside_root', '/etc/passwd');
  });

  it('refuses symlinks (to a file or through a directory) that point outside', async () => {
    await expectPathError(resolveEvidencePath(root, 'escape.txt'), 'outside_root', 'escape.txt', 'symlink', root);
    await expectPathError(resolveEvidencePath(root, 'escape-dir/secret.txt'), 'outside_root', 'escape-dir/secret.txt', root);
  });

  it('reports missing files, directories and a missing root clearly', async () => {
    await expectPathError(resolveEvidencePath(root, 'wookieepedia/han.txt'), 'not_found', 'wookieepedia/han.txt', root);
    await expectPathError(resolveEvidencePath(root, 'wookieepedia'), 'not_a_file', 'wookieepedia');
    await expectPathError(resolveEvidencePath(path.join(workspace, 'nowhere'), 'a.txt'), 'root_not_found', 'nowhere');
    await expectPathError(resolveEvidencePath(root, ''), 'invalid_path');
  });
});

describe('buildEvidenceBundle', () => {
  const lukeText = 'Luke Skywalker was born on Tatooine in 19 BBY.';
  const leiaText = 'Leia Organa was raised on Alderaan.';

  it('bundles inline evidence and files, with ids, sources, paths, hashes and default limits', async () => {
    const bundle = await buildEvidenceBundle({
      inline: [{ evidence_id: 'e1', source_uri: 'wookieepedia', text: 'Han & Chewie <3 "the Falcon"' }],
      refs: [{ path: 'wookieepedia/luke.txt' }, { path: 'leia.txt', evidence_id: 'leia', source_uri: 'https://example.org/leia' }],
      evidenceRoot: root,
    });
    assert.deepEqual(bundle, {
      bundle_version: 1,
      items: [
        {
          evidence_id: 'e1',
          source_uri: 'wookieepedia',
          kind: 'inline',
          sha256: sha256('Han & Chewie <3 "the Falcon"'),
          original_chars: 28,
          chars: 28,
          truncated: false,
          text: 'Han & Chewie <3 "the Falcon"',
        },
        {
          evidence_id: 'file:1',
          source_uri: 'file:wookieepedia/luke.txt',
          kind: 'file',
          path: 'wookieepedia/luke.txt',
          sha256: sha256(lukeText),
          original_chars: lukeText.length,
          chars: lukeText.length,
          truncated: false,
          text: lukeText,
        },
        {
          evidence_id: 'leia',
          source_uri: 'https://example.org/leia',
          kind: 'file',
          path: 'leia.txt',
          sha256: sha256(leiaText),
          original_chars: leiaText.length,
          chars: leiaText.length,
          truncated: false,
          text: leiaText,
        },
      ],
      total_chars: 28 + lukeText.length + leiaText.length,
      truncated: false,
      limits: { max_item_chars: defaultEvidenceLimits.maxItemChars, max_total_chars: defaultEvidenceLimits.maxTotalChars },
      dropped: [],
    });
    assert.deepEqual(evidenceBundleSchema.parse(JSON.parse(JSON.stringify(bundle))), bundle);
  });

  it('truncates an item to the per-item budget, hashing the full original text', async () => {
    const text = 'abcdefghij'.repeat(3);
    const bundle = await buildEvidenceBundle({ inline: [{ evidence_id: 'e1', source_uri: 's', text }], refs: [], maxItemChars: 12 });
    const [item] = bundle.items;
    assert.equal(item?.text, 'abcdefghijab');
    assert.equal(item?.chars, 12);
    assert.equal(item?.original_chars, 30);
    assert.equal(item?.truncated, true);
    assert.equal(item?.sha256, sha256(text));
    assert.equal(bundle.truncated, true);
    assert.equal(bundle.total_chars, 12);
  });

  it('cuts the item that crosses the total budget and drops (and records) the ones after', async () => {
    const inline = ['a', 'b', 'c', 'd'].map((letter) => ({ evidence_id: letter, source_uri: 's', text: letter.repeat(10) }));
    const bundle = await buildEvidenceBundle({ inline, refs: [], maxItemChars: 8, maxTotalChars: 20 });
    assert.deepEqual(
      bundle.items.map((item) => [item.evidence_id, item.text, item.truncated]),
      [
        ['a', 'aaaaaaaa', true],
        ['b', 'bbbbbbbb', true],
        ['c', 'cccc', true],
      ],
    );
    assert.deepEqual(bundle.dropped, [{ evidence_id: 'd', reason: 'max_total_chars_reached' }]);
    assert.equal(bundle.total_chars, 20);
    assert.equal(bundle.truncated, true);
    assert.deepEqual(bundle.limits, { max_item_chars: 8, max_total_chars: 20 });
  });

  it('does not mark anything truncated when the texts fit exactly', async () => {
    const bundle = await buildEvidenceBundle({
      inline: [{ evidence_id: 'a', source_uri: 's', text: '12345' }, { evidence_id: 'b', source_uri: 's', text: '67890' }],
      refs: [],
      maxItemChars: 5,
      maxTotalChars: 10,
    });
    assert.equal(bundle.truncated, false);
    assert.deepEqual(bundle.dropped, []);
  });

  it('never splits a surrogate pair when cutting', async () => {
    const bundle = await buildEvidenceBundle({ inline: [{ evidence_id: 'e', source_uri: 's', text: 'ab🚀cd' }], refs: [], maxItemChars: 3 });
    assert.equal(bundle.items[0]?.text, 'ab');
    assert.equal(bundle.items[0]?.chars, 2);
  });

  it('is deterministic', async () => {
    const options = {
      inline: [{ evidence_id: 'e1', source_uri: 'x', text: 'one' }],
      refs: [{ path: 'leia.txt' }, { path: path.join(root, 'wookieepedia', 'luke.txt') }],
      evidenceRoot: root,
      maxItemChars: 20,
      maxTotalChars: 50,
    };
    const first = JSON.stringify(await buildEvidenceBundle(options));
    const second = JSON.stringify(await buildEvidenceBundle(options));
    assert.equal(first, second);
  });

  it('refuses duplicate evidence ids, across inline evidence and files', async () => {
    await assert.rejects(
      buildEvidenceBundle({
        inline: [{ evidence_id: 'file:1', source_uri: 's', text: 'x' }],
        refs: [{ path: 'leia.txt' }],
        evidenceRoot: root,
      }),
      (error: unknown) => error instanceof EvidenceBundleError && error.message.includes('duplicate evidence_id "file:1"'),
    );
  });

  it('refuses file references that escape the root, and references without a root', async () => {
    await expectPathError(buildEvidenceBundle({ inline: [], refs: [{ path: '../outside/secret.txt' }], evidenceRoot: root }), 'outside_root');
    await expectPathError(buildEvidenceBundle({ inline: [], refs: [{ path: 'escape.txt' }], evidenceRoot: root }), 'outside_root');
    await assert.rejects(buildEvidenceBundle({ inline: [], refs: [{ path: 'leia.txt' }] }), /no evidence root/);
  });

  it('refuses files that are not UTF-8 text, malformed evidence and bad limits', async () => {
    await assert.rejects(
      buildEvidenceBundle({ inline: [], refs: [{ path: 'binary.bin' }], evidenceRoot: root }),
      /evidence file "binary.bin" is not valid UTF-8 text/,
    );
    await assert.rejects(
      buildEvidenceBundle({ inline: [{ evidence_id: '', source_uri: 's', text: 't' }], refs: [] }),
      /inline evidence #1 is invalid: evidence_id/,
    );
    await assert.rejects(buildEvidenceBundle({ inline: [], refs: [], maxTotalChars: 0 }), /maxTotalChars must be a positive integer/);
  });
});
