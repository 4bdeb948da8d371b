/** Opening the database: clear errors for an unreachable server, a missing database and a bad URL. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DatabaseConnectionError, DatabaseUrlError, openDatabase } from '../src/database/open-database.ts';
import { postgresTestUrl } from './support/test-databases.ts';

describe('opening the database', () => {
  it('says the server cannot be reached, with the URL and the reason', async () => {
    await assert.rejects(openDatabase('postgres://root@127.0.0.1:1/test'), (error: unknown) => {
      assert.ok(error instanceof DatabaseConnectionError);
      assert.match(error.message, /Cannot reach the database at postgres:\/\/root@127\.0\.0\.1:1\/test: .*ECONNREFUSED/);
      return true;
    });
  });

  it('says which database does not exist, and masks a password', async () => {
    const url = new URL(postgresTestUrl);
    url.password = 'hunter2';
    url.pathname = '/no_such_database_here';
    await assert.rejects(openDatabase(url.toString()), (error: unknown) => {
      assert.ok(error instanceof DatabaseConnectionError);
      assert.match(error.message, /no_such_database_here/);
      assert.ok(!error.message.includes('hunter2'));
      return true;
    });
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await assert.rejects(openDatabase(`${postgresTestUrl}?schema=x;drop`), DatabaseUrlError);
  });
});
