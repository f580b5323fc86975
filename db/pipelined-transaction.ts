import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type postgres from 'postgres';
import { namedStatements, type Database } from './client.js';

export interface PipelinedTx {
  /**
   * Drizzle on the transaction's connection, without the relational query API (building its schema
   * map costs 0.1 ms a transaction). Prefer `batch` and `commitWith` to awaiting one by one.
   */
  db: PostgresJsDatabase;
  /**
   * Sends the given statements together, in this order, and waits for all of them: one round trip.
   * Postgres runs them in order, so a lock first means every read after it sees the locked world.
   */
  batch<const Q extends readonly PromiseLike<unknown>[]>(
    ...statements: Q
  ): Promise<{ -readonly [K in keyof Q]: Awaited<Q[K]> }>;
  /** Sends the last statements with COMMIT right behind them: the final writes and the commit cost one round trip. */
  commitWith<const Q extends readonly PromiseLike<unknown>[]>(
    ...statements: Q
  ): Promise<{ -readonly [K in keyof Q]: Awaited<Q[K]> }>;
}

/**
 * A transaction in as few round trips as its logic allows. Drizzle's transaction waits for BEGIN
 * and for COMMIT on their own; here BEGIN goes out with the first batch and COMMIT with the last
 * write, so "lock and read, then write" costs two round trips instead of four.
 *
 * Statements must be handed over unawaited (drizzle builders) so the order they go out in is the
 * order given; a statement that did not go out when handed over is refused, never reordered.
 * Without `commitWith`, COMMIT is sent after `work` returns. Any failure rolls back.
 */
export async function pipelinedTransaction<T>(
  pool: Database,
  work: (tx: PipelinedTx) => Promise<T>,
): Promise<T> {
  const connection = await pool.$client.reserve();
  let handedOver = 0;
  let commit: Promise<unknown> | undefined;
  // Every statement is sent the moment drizzle builds it, so the wire order is the call order;
  // as named statements, like the pool's (one round trip each, and they pipeline).
  const eager = new Proxy(namedStatements(connection), {
    get(target, key, receiver) {
      // A reserved connection lacks the pool's options, which drizzle reads for its type parsers.
      if (key === 'options') return pool.$client.options;
      if (key !== 'unsafe') return Reflect.get(target, key, receiver) as unknown;
      return (...args: Parameters<postgres.Sql['unsafe']>) => {
        // After COMMIT a statement would run on its own, outside the transaction: refuse it.
        if (commit) throw new Error('pipelinedTransaction: a statement after COMMIT');
        handedOver++;
        return target.unsafe(...args).execute();
      };
    },
  });
  const db = drizzle(eager);
  const pending: Promise<unknown>[] = [];
  const send = <R>(statement: PromiseLike<R>): Promise<R> => {
    const before = handedOver;
    const result = new Promise<R>((resolve, reject) => void statement.then(resolve, reject));
    pending.push(result.catch(() => undefined));
    if (handedOver === before)
      throw new Error('pipelinedTransaction: a statement did not go out when handed over (was it awaited?)');
    return result;
  };
  const begin = connection.unsafe('begin').execute();
  pending.push(begin.catch(() => undefined));
  const tx: PipelinedTx = {
    db,
    batch: ((...statements: PromiseLike<unknown>[]) =>
      Promise.all([begin, ...statements.map(send)]).then(
        ([, ...results]) => results,
      )) as PipelinedTx['batch'],
    commitWith: (async (...statements: PromiseLike<unknown>[]) => {
      const results = statements.map(send);
      commit = connection.unsafe('commit').execute();
      pending.push(commit.catch(() => undefined));
      // A failed statement aborts the transaction, and Postgres answers that COMMIT with a rollback.
      const [, , ...values] = await Promise.all([begin, commit, ...results]);
      return values;
    }) as PipelinedTx['commitWith'],
  };
  try {
    const result = await work(tx);
    commit ??= connection.unsafe('commit').execute();
    await Promise.all([begin, commit]);
    return result;
  } catch (error) {
    if (!commit) await connection.unsafe('rollback').catch(() => undefined);
    throw error;
  } finally {
    // Nothing of this transaction may still be in flight when the connection goes back to the pool.
    await Promise.all(pending);
    connection.release();
  }
}
