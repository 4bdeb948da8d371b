/**
 * The background checkpointer: a SQLite file's write-ahead log is checkpointed by a thread while one
 * connection keeps committing, and stays bounded — the same commits without it (and with the
 * connection's own checkpoint raised out of the way, as the checkpointer raises it) grow the log, the
 * anchor measured in the same test. Nothing written is lost on the way to the database file.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { openDatabase } from '../src/database/open-database.ts';
import { startSqliteCheckpointer } from '../src/database/sqlite-checkpointer.ts';

const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'holocron-checkpointer-'));
after(() => fs.rmSync(directory, { recursive: true, force: true }));

function openConnection(name: string) {
  const file = path.join(directory, name);
  const connection = new BetterSqlite3(file);
  connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = NORMAL');
  connection.pragma('busy_timeout = 15000');
  connection.exec('create table blobs (id integer primary key, body blob not null)');
  return { file, connection };
}

/** 200 transactions of 8 rows of 4 KiB (about 1,800 pages of log in all), yielding between them; the largest the log file got. */
async function commitMany(connection: BetterSqlite3.Database, file: string): Promise<number> {
  const insert = connection.prepare('insert into blobs (body) values (?)');
  const commit = connection.transaction(() => {
    for (let row = 0; row < 8; row++) insert.run(crypto.randomBytes(4096));
  });
  let largest = 0;
  for (let transaction = 0; transaction < 200; transaction++) {
    commit();
    largest = Math.max(largest, fs.statSync(`${file}-wal`).size);
    await sleep(1);
  }
  return largest;
}

const pageBytes = 4096;

describe('the background checkpointer', () => {
  it('keeps the log bounded while commits go on; without it the same commits grow the log', async () => {
    const anchor = openConnection('anchor.sqlite');
    anchor.connection.pragma('wal_autocheckpoint = 100000');
    const unbounded = await commitMany(anchor.connection, anchor.file);
    anchor.connection.close();

    const { file, connection } = openConnection('checkpointed.sqlite');
    const errors: Error[] = [];
    const checkpointer = startSqliteCheckpointer(connection, file, { intervalMs: 5, restartPages: 64, backstopPages: 100000, onError: (error) => errors.push(error) });
    const bounded = await commitMany(connection, file);
    await checkpointer.stop();

    assert.ok(unbounded > 1500 * pageBytes, `the anchor's log grew to ${unbounded} bytes`);
    // Bounded at the restart size plus what commits while a checkpoint copies and fsyncs.
    assert.ok(bounded < unbounded / 2, `the log grew to ${bounded} bytes (the anchor: ${unbounded})`);
    assert.deepEqual(errors, []);

    // Every row reached the file intact: reopened by another connection after this one closes.
    connection.close();
    const reopened = new BetterSqlite3(file, { readonly: true });
    assert.equal((reopened.prepare('select count(*) as n from blobs').get() as { n: number }).n, 1600);
    assert.equal(reopened.pragma('integrity_check', { simple: true }), 'ok');
    reopened.close();
  });

  it('holds up no commit for long while a reader keeps an old snapshot (its RESTART gives up and tries again)', async () => {
    const { file, connection } = openConnection('reader.sqlite');
    const reader = new BetterSqlite3(file, { readonly: true });
    reader.exec('begin');
    reader.prepare('select count(*) from blobs').get(); // the snapshot is taken here and kept
    const checkpointer = startSqliteCheckpointer(connection, file, { intervalMs: 5, restartPages: 16, restartWaitMs: 50 });
    const insert = connection.prepare('insert into blobs (body) values (?)');
    const commit = connection.transaction(() => {
      for (let row = 0; row < 8; row++) insert.run(crypto.randomBytes(4096));
    });
    let slowest = 0;
    for (let transaction = 0; transaction < 60; transaction++) {
      const started = performance.now();
      commit();
      slowest = Math.max(slowest, performance.now() - started);
      await sleep(2);
    }
    reader.exec('commit');
    reader.close();
    await checkpointer.stop();
    connection.close();
    // A RESTART that waited the reader out would hold the write lock all along.
    assert.ok(slowest < 1000, `the slowest commit took ${Math.round(slowest)} ms`);
  });

  it('raises the connection’s own checkpoint while it runs and gives it back when stopped', async () => {
    const { file, connection } = openConnection('pragma.sqlite');
    const checkpointer = startSqliteCheckpointer(connection, file, { backstopPages: 12345 });
    assert.equal(connection.pragma('wal_autocheckpoint', { simple: true }), 12345);
    await checkpointer.stop();
    await checkpointer.stop(); // a second stop is harmless
    assert.equal(connection.pragma('wal_autocheckpoint', { simple: true }), 1000);
    connection.close();
  });

  it('is shared by the holders of one database: the last one to stop stops it; close() stops it too', async () => {
    const url = path.join(directory, 'shared.sqlite');
    const database = await openDatabase(url);
    assert.ok(database.checkpointInBackground, 'a SQLite file offers background checkpoints');
    const pragma = async () => {
      const result = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(database.db);
      return result.rows[0]!.wal_autocheckpoint;
    };
    const first = database.checkpointInBackground!();
    const second = database.checkpointInBackground!();
    assert.equal(await pragma(), 16384);
    await first.stop();
    assert.equal(await pragma(), 16384, 'still held by the second');
    await second.stop();
    assert.equal(await pragma(), 1000);
    database.checkpointInBackground!();
    await database.close(); // stops the thread: the process is not held open, no error
  });

  it('is not offered for an in-memory database', async () => {
    const database = await openDatabase(':memory:');
    assert.equal(database.checkpointInBackground, undefined);
    await database.close();
  });
});
