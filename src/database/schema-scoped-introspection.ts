/**
 * Kysely's Migrator asks the dialect's introspector for every table of every schema in the database
 * just to learn whether its own two tables exist. On PostgreSQL that catalog scan calls
 * `has_schema_privilege(name, 'USAGE')` for each schema it sees, which fails with "schema … does not
 * exist" when another schema is dropped while the scan runs (tests, tenants and benchmarks create and
 * drop schemas beside each other). It also grows with everything else in the database.
 *
 * When migrations live in a named schema, the Migrator gets a view of the database whose introspection
 * looks at that schema only (standard `information_schema`); everything else is the database itself.
 */
import { sql, type DatabaseIntrospector, type Kysely, type SchemaMetadata, type TableMetadata } from 'kysely';

export function withSchemaScopedIntrospection<DB>(db: Kysely<DB>, schema: string): Kysely<DB> {
  const introspection: Pick<DatabaseIntrospector, 'getSchemas' | 'getTables'> = {
    async getSchemas(): Promise<SchemaMetadata[]> {
      const result = await sql<{ name: string }>`
        select schema_name as name from information_schema.schemata where schema_name = ${schema}`.execute(db);
      return result.rows.map((row) => ({ name: row.name }));
    },
    async getTables(): Promise<TableMetadata[]> {
      const result = await sql<{ name: string; schema: string; table_type: string }>`
        select table_name as name, table_schema as schema, table_type
        from information_schema.tables where table_schema = ${schema}`.execute(db);
      // The Migrator reads only name and schema; no columns are described.
      return result.rows.map((row) => ({ name: row.name, schema: row.schema, isView: row.table_type === 'VIEW', columns: [] }));
    },
  };
  return new Proxy(db, {
    get(target, property) {
      if (property === 'introspection') return introspection;
      const value = Reflect.get(target, property, target);
      // Kysely keeps its state in private fields: its methods must run on the real instance.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
