/**
 * Written with the attempts, in the transaction that records them (the interrogation kind's
 * `onRecorded`): the definitions they used (content-addressed, once), their fingerprints' fields, and a
 * cache entry for each success whose cache mode writes. A rolled-back recording leaves none of them.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../database/database.ts';
import type { RecordHookContext } from '../queue/record-outcomes.ts';
import type { RecordedAttempt } from '../worker/job-kind-registry.ts';
import { insertCacheEntries, type NewCacheEntry } from './cache-entries.ts';
import type { FingerprintFields } from './call-fingerprint.ts';
import type { ReproducibilityHookData } from './call-or-serve-from-cache.ts';
import type { StoredDefinition } from './interrogation-definition.ts';
import { insertDefinitions, insertFingerprints } from './stored-definitions.ts';

export type RecordHook = (transaction: Kysely<Database>, recorded: readonly RecordedAttempt[], context: RecordHookContext) => Promise<void>;

export function createReproducibilityRecordHook(): RecordHook {
  return async (transaction, recorded, { adapter, now }) => {
    const definitions = new Map<string, StoredDefinition>();
    const fingerprints = new Map<string, FingerprintFields>();
    const entries: NewCacheEntry[] = [];
    for (const { outcome } of recorded) {
      const data = outcome.record.hookData?.reproducibility as ReproducibilityHookData | undefined;
      if (!data) continue;
      definitions.set(data.definition.hash, data.definition);
      const fingerprint = outcome.record.fingerprint;
      if (!fingerprint) continue;
      if (outcome.record.sourceKind === 'cache_hit') continue; // its source has the fields and the entry
      if (data.fields) fingerprints.set(fingerprint, data.fields);
      if (outcome.kind === 'succeeded' && data.writes && outcome.record.lakeDir) {
        entries.push({ fingerprint, runId: outcome.held.runId, jobId: outcome.held.jobId, lakeDir: outcome.record.lakeDir, artifacts: outcome.artifacts });
      }
    }
    if (definitions.size > 0) await insertDefinitions(transaction, adapter, [...definitions.values()], now);
    if (fingerprints.size > 0) {
      await insertFingerprints(transaction, adapter, [...fingerprints].map(([fingerprint, fields]) => ({ fingerprint, fields })), now);
    }
    if (entries.length > 0) await insertCacheEntries(transaction, adapter, entries, now);
  };
}

/** Runs several record hooks one after the other, in the same transaction. */
export function composeRecordHooks(...hooks: readonly RecordHook[]): RecordHook {
  return async (transaction, recorded, context) => {
    for (const hook of hooks) await hook(transaction, recorded, context);
  };
}
