import type { Database } from './client.js';

/** The pool, a transaction or a pipelined transaction's connection: read and write helpers accept all. */
export type Queryable = Pick<
  Database,
  'select' | 'selectDistinct' | 'selectDistinctOn' | 'insert' | 'update' | 'delete' | 'execute'
>;
