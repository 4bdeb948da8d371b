/**
 * Opens the database named by one URL: a SQLite file path (the default) or `postgres://…`.
 * A `schema` query parameter on a PostgreSQL URL puts Holocron's tables in that schema.
 */
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './database.ts';
import type { DialectAdapter } from './dialects/dialect-adapter.ts';
import { createPostgresAdapter } from './dialects/postgres-adapter.ts';
import { sqliteAdapter } from './dialects/sqlite-adapter.ts';
import { sharedSqliteCheckpointer, type SqliteCheckpointer } from './sqlite-checkpointer.ts';
import { assertSchemaCurrent, migrateToLatest, SchemaNotCurrentError } from './migrate.ts';

export interface HolocronDatabase {
  db: Kysely<Database>;
  adapter: DialectAdapter;
  /** The URL with any password masked, for messages and logs. */
  displayUrl: string;
  close(): Promise<void>;
  /**
   * Present where the database is a SQLite file: its WAL checkpoints move off this connection to a
   * thread until the handle is stopped (src/database/sqlite-checkpointer.ts) — for long runs of
   * commits, such as a worker's, which would otherwise stall on a checkpoint's copy and fsync. One
   * thread however many hold it; `close()` stops it.
   */
  checkpointInBackground?(onError?: (error: Error) => void): SqliteCheckpointer;
}

export interface OpenDatabaseOptions {
  /**
   * `true` (the default): bring the schema up to date on open. `'check'`: change nothing, and refuse
   * (SchemaNotCurrentError, saying to run `holocron db migrate`) when the schema is missing or behind —
   * for commands that only read; a SQLite file that does not exist is not created. `false`: neither.
   */
  migrate?: boolean | 'check';
  /** PostgreSQL connections in the pool (default 4). */
  poolSize?: number;
  /**
   * Stop any statement that runs longer (milliseconds), where the dialect can
   * (`adapter.supportsStatementTimeout`: PostgreSQL's `statement_timeout` on every pooled connection);
   * the statement fails with SQLSTATE 57014. Absent: no limit. For servers, not for workers.
   */
  statementTimeoutMs?: number;
}

export class DatabaseUrlError extends Error {
  override readonly name = 'DatabaseUrlError';
}

const postgresPrefixes = ['postgres://', 'postgresql://'];

export function isPostgresUrl(url: string): boolean {
  return postgresPrefixes.some((prefix) => url.startsWith(prefix));
}

/** The database cannot be reached (server down, wrong host, credentials or database name). */
export class DatabaseConnectionError extends Error {
  override readonly name = 'DatabaseConnectionError';
}

export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<HolocronDatabase> {
  const migrate = options.migrate ?? true;
  const opened = isPostgresUrl(url) ? openPostgres(url, options.poolSize ?? 4, options.statementTimeoutMs) : openSqlite(url, migrate !== 'check');
  try {
    await sql`select 1`.execute(opened.db);
  } catch (error) {
    await opened.close().catch(() => undefined);
    throw new DatabaseConnectionError(`Cannot reach the database at ${opened.displayUrl}: ${(error as Error).message}`);
  }
  if (migrate) {
    try {
      await (migrate === 'check' ? assertSchemaCurrent(opened) : migrateToLatest(opened));
    } catch (error) {
      await opened.close();
      throw error;
    }
  }
  return opened;
}

function openSqlite(url: string, create: boolean): HolocronDatabase {
  const filePath = url.startsWith('sqlite:') ? url.slice('sqlite:'.length).replace(/^\/\//, '') : url;
  if (!filePath) throw new DatabaseUrlError('The database URL is empty: give a SQLite file path or a postgres:// URL.');
  if (!create && filePath !== ':memory:' && !fs.existsSync(filePath)) {
    throw new SchemaNotCurrentError(
      `There is no database at ${filePath}: run \`holocron db migrate\` to create it (or enqueue jobs, which does).`,
      [],
    );
  }
  if (filePath !== ':memory:') {
    const directory = path.dirname(path.resolve(filePath));
    if (!fs.existsSync(directory)) fs.mkdirSync(directory, { recursive: true });
  }
  let connection: BetterSqlite3.Database;
  try {
    connection = new BetterSqlite3(filePath);
  } catch (error) {
    throw new DatabaseUrlError(`Cannot open SQLite database ${filePath}: ${(error as Error).message}`);
  }
  connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = NORMAL');
  connection.pragma('busy_timeout = 15000');
  connection.pragma('foreign_keys = ON');
  // 4 MiB of page cache (the default is 2 MiB): the queue's hot pages — the b-tree tails that claims
  // and records touch — stay in memory. The cache fills as the file grows and stays full, so it is
  // resident memory for the life of the process: 64 MiB was most of a long drain's growth in RSS
  // (`npm run bench`, worker memory) for no measurable throughput, and 8 MiB measured no faster than 4
  // (cache-hit drain, 2026-12-03) — the 4 MiB given back pays for the checkpointer thread's ~8 MB.
  connection.pragma('cache_size = -4096');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(connection) }) });
  if (filePath === ':memory:') return { db, adapter: sqliteAdapter, displayUrl: filePath, close: () => db.destroy() };
  const checkpointer = sharedSqliteCheckpointer(connection, path.resolve(filePath));
  return {
    db,
    adapter: sqliteAdapter,
    displayUrl: filePath,
    checkpointInBackground: checkpointer.acquire,
    close: async () => {
      await checkpointer.stopAll();
      await db.destroy();
    },
  };
}

/**
 * Kysely's SQLite driver prepares every query anew; the queue's statements are few and their text is
 * constant (bulk data travels as one JSON parameter), so keeping them prepared saves the parse on every
 * call. Safe because the driver runs one query at a time on the connection.
 */
function withStatementCache(connection: BetterSqlite3.Database, limit = 200) {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => connection.close(),
    prepare(sqlText: string) {
      let statement = statements.get(sqlText);
      if (!statement) {
        statement = connection.prepare(sqlText);
        if (statements.size >= limit) statements.delete(statements.keys().next().value!);
        statements.set(sqlText, statement);
      }
      return statement;
    },
  };
}

function openPostgres(url: string, poolSize: number, statementTimeoutMs: number | undefined): HolocronDatabase {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DatabaseUrlError(`Not a valid PostgreSQL URL: ${maskPassword(url)}`);
  }
  const schema = parsed.searchParams.get('schema');
  if (schema !== null && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(schema)) {
    throw new DatabaseUrlError(`The schema "${schema}" in the database URL is not a plain SQL identifier.`);
  }
  parsed.searchParams.delete('schema');
  const pool = new pg.Pool({
    connectionString: parsed.toString(),
    max: poolSize,
    ...(statementTimeoutMs !== undefined ? { statement_timeout: statementTimeoutMs } : {}),
    options: schema ? `-c search_path=${schema}` : undefined,
    types: {
      // int8 (epoch milliseconds, ids, counts) as a JavaScript number: all our values fit in 2^53.
      // json and jsonb as JSON text, as SQLite returns them: one shape for code that runs on both.
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === 20
          ? (value: string) => Number(value)
          : oid === 114 || oid === 3802
            ? (value: string) => value
            : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client's error (server restart) must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, adapter: createPostgresAdapter(schema), displayUrl: maskPassword(url), close: () => db.destroy() };
}

export function maskPassword(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}
