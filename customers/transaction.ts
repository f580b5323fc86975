import type { Database } from '../db/client.js';

/** A drizzle transaction on our schema. */
export type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

/** Either a transaction or the pool: read helpers accept both. */
export type Queryable = Database | Tx;
