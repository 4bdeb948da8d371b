/**
 * The reproducibility area's tables (issue 10). Words:
 * - fingerprint: sha256 of the canonical serialisation of everything that determines a call's answer
 *   (call-fingerprint.ts); `runs.fingerprint` holds each attempt's, `call_fingerprints` its fields.
 * - definition: an interrogation as it was used (prompt template, system prompt, rubric, schemas,
 *   defaults), stored once under its hash; `runs.definition_hash` points at it.
 * - cache entry: a successful, validated attempt whose answer may be served to an identical call.
 *   Written atomically with the attempt; a cache hit is an attempt of its own (`runs.source_kind =
 *   'cache_hit'`) whose artifacts are the entry's files — no second copy in the lake.
 * Times are epoch milliseconds from the database clock.
 */
import type { Generated, Selectable } from 'kysely';

export interface InterrogationDefinitionTable {
  /** sha256 of the canonical definition. */
  hash: string;
  interrogation_key: string;
  /** The canonical definition, JSON text. */
  definition: string;
  created_at: number;
}

export interface CallFingerprintTable {
  fingerprint: string;
  /** The canonical fields the fingerprint hashes (big ones as their own sha256), JSON text. */
  fields: string;
  created_at: number;
}

export interface CacheEntryTable {
  id: Generated<number>;
  fingerprint: string;
  /** The attempt whose answer is served. */
  run_id: string;
  job_id: number;
  lake_dir: string;
  /** JSON: the attempt's artifacts `[{type, lakePath, sha256, bytes}]`, referenced by every hit. */
  artifacts: string;
  created_at: number;
}

export interface ReproducibilityTables {
  interrogation_definitions: InterrogationDefinitionTable;
  call_fingerprints: CallFingerprintTable;
  cache_entries: CacheEntryTable;
}

export type CacheEntryRow = Selectable<CacheEntryTable>;
