/**
 * Which documents are stale, derived from what each records about how it was made — no hand-kept
 * version numbers. Only the current document of each logical key (its latest `ok` attempt) can be
 * stale; older attempts are superseded, not stale. A current document is stale when:
 * - `newer_parent`: its parent has a newer successful attempt (same logical key, a later row);
 * - `template_changed` / `schema_changed` / `options_changed`: the stage's template, output schema or
 *   the options an attempt would send now (the configuration's generation options under the
 *   interrogation's own) differ from what it recorded (the caller says what is current:
 *   `currentDefinitions`, src/pipelines/current-definitions.ts);
 * - `model_changed`: its model's digest differs from the current one (the caller's, else the newest
 *   digest any document of that model records);
 * - `ancestor_stale`: its parent is itself stale — rebuilding the parent makes this one outdated too.
 * The result is ordered parents before children (insertion order), so a rebuild can follow it.
 */
import { sql } from 'kysely';
import type { HolocronDatabase } from '../database/open-database.ts';
import type { DocumentRow } from './documents-tables.ts';

export type StaleReason = 'newer_parent' | 'template_changed' | 'schema_changed' | 'options_changed' | 'model_changed' | 'ancestor_stale';

export interface CurrentDefinition {
  templateHash: string | null;
  schemaHash: string | null;
  /** Omit to not compare options. */
  optionsHash?: string | null;
}

export interface StalenessContext {
  /** The current definition of a template (interrogation) by its id; undefined: not compared. */
  definitionOf?: (templateId: string) => CurrentDefinition | undefined;
  /** Current model digests by model id; models not listed use the newest digest in the index. */
  modelDigests?: ReadonlyMap<string, string>;
  runLabel?: string;
  stage?: string;
}

export interface StaleDocument {
  document: DocumentRow;
  reasons: StaleReason[];
  /** For `newer_parent`: the parent's newer attempt. */
  newerParentDocId?: string;
  /** For `ancestor_stale`: the stale parent. */
  staleParentDocId?: string;
}

export async function findStaleDocuments(database: HolocronDatabase, context: StalenessContext = {}): Promise<StaleDocument[]> {
  const { db } = database;
  // The current documents (latest ok attempt per logical key), each with its parent's newest ok attempt.
  const current = await sql<DocumentRow & { newest_parent_doc_id: string | null }>`
    select d.*, (
      select np.doc_id from documents p join documents np on np.logical_key_id = p.logical_key_id and np.status = 'ok'
      where p.doc_id = d.parent_doc_id order by np.id desc limit 1
    ) as newest_parent_doc_id
    from documents d
    where d.status = 'ok'
      and not exists (select 1 from documents later where later.logical_key_id = d.logical_key_id and later.status = 'ok' and later.id > d.id)
    order by d.id`.execute(db);

  const newestDigest = new Map<string, string>();
  const digests = await db
    .selectFrom('documents as d')
    .select(['d.model_id', 'd.model_digest'])
    .where('d.model_digest', 'is not', null)
    .where('d.id', 'in', (eb) =>
      eb.selectFrom('documents').select((inner) => inner.fn.max('id').as('id')).where('model_digest', 'is not', null).groupBy('model_id'),
    )
    .execute();
  for (const row of digests) if (row.model_id) newestDigest.set(row.model_id, row.model_digest!);
  for (const [model, digest] of context.modelDigests ?? []) newestDigest.set(model, digest);

  const staleById = new Map<string, StaleDocument>();
  const result: StaleDocument[] = [];
  for (const row of current.rows) {
    const { newest_parent_doc_id: newestParent, ...document } = row;
    const stale: StaleDocument = { document, reasons: [] };
    if (document.parent_doc_id && newestParent && newestParent !== document.parent_doc_id) {
      stale.reasons.push('newer_parent');
      stale.newerParentDocId = newestParent;
    }
    const definition = document.template_id ? context.definitionOf?.(document.template_id) : undefined;
    if (definition) {
      if (document.template_hash !== definition.templateHash) stale.reasons.push('template_changed');
      if (document.schema_hash !== definition.schemaHash) stale.reasons.push('schema_changed');
      // Options are compared when the document recorded them (a backfilled one did not).
      if (definition.optionsHash !== undefined && document.options_hash !== null && document.options_hash !== definition.optionsHash) stale.reasons.push('options_changed');
    }
    const digest = document.model_id ? newestDigest.get(document.model_id) : undefined;
    if (digest && document.model_digest && digest !== document.model_digest) stale.reasons.push('model_changed');
    const parent = document.parent_doc_id ? staleById.get(document.parent_doc_id) : undefined;
    if (parent) {
      stale.reasons.push('ancestor_stale');
      stale.staleParentDocId = parent.document.doc_id;
    }
    if (stale.reasons.length > 0) {
      staleById.set(document.doc_id, stale);
      result.push(stale);
    }
  }
  return result.filter(
    (stale) =>
      (context.runLabel === undefined || stale.document.run_label === context.runLabel) &&
      (context.stage === undefined || stale.document.stage === context.stage),
  );
}
