/**
 * The same suite on both dialects: a fresh SQLite file, and a fresh schema on the real PostgreSQL
 * server. PostgreSQL tests fail (never skip) when the server cannot be reached.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type HolocronDatabase } from '../../src/database/open-database.ts';

export const postgresTestUrl = process.env.HOLOCRON_TEST_POSTGRES_URL ?? 'postgres://root@127.0.0.1:5432/test';

export interface TestDatabase {
  dialect: 'sqlite' | 'postgres';
  /** The URL another process can open (same file or same schema). */
  url: string;
  database: HolocronDatabase;
  /** Removes the file or drops the schema. */
  destroy(): Promise<void>;
}

export const dialects = ['sqlite', 'postgres'] as const;

export function makeTempDirectory(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `holocron-${prefix}-`));
}

export interface TestDatabaseOptions {
  /** false: an empty database, no migration run (PostgreSQL: the schema made and selected). Default true. */
  migrate?: boolean;
}

export async function createTestDatabase(dialect: 'sqlite' | 'postgres', options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const migrate = options.migrate ?? true;
  let url: string;
  let removeStorage: () => Promise<void>;
  if (dialect === 'sqlite') {
    const directory = makeTempDirectory('sqlite');
    url = path.join(directory, 'holocron.sqlite');
    removeStorage = async () => fs.rmSync(directory, { recursive: true, force: true });
  } else {
    const schema = `test_${randomBytes(6).toString('hex')}`;
    url = `${postgresTestUrl}${postgresTestUrl.includes('?') ? '&' : '?'}schema=${schema}`;
    removeStorage = async () => {
      const client = new pg.Client({ connectionString: postgresTestUrl });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    };
  }
  let database: HolocronDatabase;
  try {
    database = await openDatabase(url, { migrate });
    if (!migrate) await database.adapter.prepare(database.db);
  } catch (error) {
    if (dialect === 'sqlite') throw error;
    throw new Error(`PostgreSQL tests need a server at ${postgresTestUrl} (set HOLOCRON_TEST_POSTGRES_URL): ${(error as Error).message}`);
  }
  return {
    dialect,
    url,
    database,
    async destroy() {
      await database.close();
      await removeStorage();
    },
  };
}
