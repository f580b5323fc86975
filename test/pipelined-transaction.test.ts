import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { integer, pgTable, text } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipelinedTransaction } from '../db/pipelined-transaction.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';

const probes = pgTable('pipeline_probes', {
  id: integer('id').primaryKey(),
  note: text('note').notNull(),
});

/** A real PostgreSQL: the transaction boundaries are the server's, not a model of them. */
describe('pipelinedTransaction', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase({ empty: true });
    await database.db.execute(sql`create table pipeline_probes (id integer primary key, note text not null)`);
  });
  afterAll(() => database?.drop());

  const notes = async () =>
    (await database.db.select().from(probes).orderBy(probes.id)).map((row) => `${row.id}:${row.note}`);
  const txid = sql<{ id: string }>`select txid_current()::text as id`;

  it('sends BEGIN with the first batch and COMMIT with the last write, all in one transaction', async () => {
    const seen = await pipelinedTransaction(database.db, async ({ db, batch, commitWith }) => {
      const [[first], inserted] = await batch(
        db.execute<{ id: string }>(txid),
        db.insert(probes).values({ id: 1, note: 'first' }).returning(),
      );
      const [[last]] = await commitWith(db.execute<{ id: string }>(txid));
      return { first: first?.id, last: last?.id, inserted };
    });
    expect(seen.first).toBeDefined();
    expect(seen.last).toBe(seen.first); // one transaction from the first batch to the commit
    expect(seen.inserted).toEqual([{ id: 1, note: 'first' }]);
    expect(await notes()).toEqual(['1:first']);
    // Committed: a new transaction has a new id.
    const [after] = await database.db.execute<{ id: string }>(txid);
    expect(after?.id).not.toBe(seen.first);
  });

  it('a failing last write rolls back everything before it (no half-written rows)', async () => {
    await expect(
      pipelinedTransaction(database.db, async ({ db, batch, commitWith }) => {
        await batch(db.insert(probes).values({ id: 2, note: 'half' }));
        return commitWith(db.insert(probes).values({ id: 1, note: 'clash' })); // id 1 exists
      }),
    ).rejects.toMatchObject({ cause: { code: '23505' } }); // unique violation
    expect(await notes()).toEqual(['1:first']);
  });

  it('an exception between statements rolls back, and so does a refused statement', async () => {
    await expect(
      pipelinedTransaction(database.db, async ({ db, batch }) => {
        await batch(db.insert(probes).values({ id: 3, note: 'before the throw' }));
        throw new Error('the decision failed');
      }),
    ).rejects.toThrow('the decision failed');
    await expect(
      pipelinedTransaction(database.db, async ({ db, batch }) => {
        await batch(db.insert(probes).values({ id: 4, note: 'before an awaited statement' }));
        const awaited = await db.select().from(probes);
        return batch(Promise.resolve(awaited));
      }),
    ).rejects.toThrow(/did not go out when handed over/);
    expect(await notes()).toEqual(['1:first']);
  });

  it('refuses a statement after COMMIT, which would otherwise run outside the transaction', async () => {
    await expect(
      pipelinedTransaction(database.db, async ({ db, commitWith }) => {
        await commitWith(db.insert(probes).values({ id: 6, note: 'committed' }));
        await db.insert(probes).values({ id: 7, note: 'after the commit' });
      }),
    ).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/a statement after COMMIT/) as unknown },
    });
    expect(await notes()).toEqual(['1:first', '6:committed']);
    await database.db.execute(sql`delete from pipeline_probes where id = 6`);
  });

  it('under an advisory lock, concurrent "count then insert" never exceeds the limit', async () => {
    const limit = 5;
    const attempts = Array.from({ length: 40 }, (_, i) => i + 100);
    const outcomes = await Promise.all(
      attempts.map((id) =>
        pipelinedTransaction(database.db, async ({ db, batch, commitWith }) => {
          const [, [counted]] = await batch(
            db.execute(sql`select pg_advisory_xact_lock(42)`),
            db.execute<{ n: number }>(sql`select count(*)::int as n from pipeline_probes where id >= 100`),
          );
          if ((counted?.n ?? 0) >= limit) return 'capped';
          await commitWith(db.insert(probes).values({ id, note: 'slot' }));
          return 'inserted';
        }),
      ),
    );
    expect(outcomes.filter((o) => o === 'inserted')).toHaveLength(limit);
    const [row] = await database.db.execute<{ n: number }>(
      sql`select count(*)::int as n from pipeline_probes where id >= 100`,
    );
    expect(row?.n).toBe(limit);
  });

  it('a connection killed mid-transaction fails the call, writes nothing, and the pool goes on', async () => {
    // Five times: each kill meets the insert at a different moment (before, during or after the close),
    // and a fresh connection describes a parameterised insert first, so COMMIT waits behind it.
    for (let kill = 0; kill < 5; kill++) {
      const transaction = pipelinedTransaction(database.db, async ({ db, batch, commitWith }) => {
        const [[me]] = await batch(db.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`));
        await database.sql`select pg_terminate_backend(${me?.pid ?? 0})`;
        return commitWith(db.insert(probes).values({ id: 10 + kill, note: 'after the kill' }));
      });
      const settled = await Promise.race([
        transaction.then(
          () => 'committed',
          () => 'failed',
        ),
        sleep(10_000).then(() => 'hung'),
      ]);
      expect(settled).toBe('failed');
      // The connection is not handed out dead (patched in postgres.js): every later query answers.
      for (let query = 0; query < 5; query++) {
        const answered = await Promise.race([
          database.db.execute(sql`select 1`).then(
            () => 'answered',
            () => 'answered with an error',
          ),
          sleep(10_000).then(() => 'hung'),
        ]);
        expect(answered).not.toBe('hung');
      }
    }
    expect((await notes()).filter((note) => note.endsWith('after the kill'))).toEqual([]);
  });
});
