import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/queryable.js';
import type { events } from '../db/schema.js';

type EventInsert = typeof events.$inferInsert;
type EventRow = typeof events.$inferSelect;
export type InsertedEvent = { id: string; message_id: string };

/**
 * Inserts many events with one statement whose text never changes: the rows travel as one JSON
 * parameter. A batch's events are the hot path of ingest, and drizzle's multi-row insert spent more
 * CPU building the statement (a type check per value) than PostgreSQL spent running it. Unsent (for
 * a pipelined transaction's `commitWith`); `idsByMessageId` reads its answer.
 */
export function insertEvents(q: Queryable, rows: readonly EventInsert[]) {
  const records = JSON.stringify(
    rows.map((row) => ({
      message_id: row.messageId,
      customer_id: row.customerId,
      type: row.type,
      name: row.name ?? null,
      user_id: row.userId ?? null,
      anonymous_id: row.anonymousId ?? null,
      properties: row.properties ?? {},
      context: row.context ?? {},
      occurred_at: row.occurredAt.toISOString(),
      received_at: (row.receivedAt ?? new Date()).toISOString(),
      routed_at: row.routedAt ? row.routedAt.toISOString() : null,
    })),
  );
  return q.execute<InsertedEvent>(sql`
    insert into events (message_id, customer_id, type, name, user_id, anonymous_id, properties, context,
      occurred_at, received_at, routed_at)
    select message_id, customer_id, type, name, user_id, anonymous_id, properties, context,
      occurred_at, received_at, routed_at
    from jsonb_to_recordset(${records}::jsonb) as x(message_id text, customer_id uuid, type text, name text,
      user_id text, anonymous_id text, properties jsonb, context jsonb, occurred_at timestamptz,
      received_at timestamptz, routed_at timestamptz)
    returning id, message_id`);
}

/** The id of each inserted event (bigint, sent as text), by messageId. */
export function idsByMessageId(inserted: Iterable<InsertedEvent>): Map<string, number> {
  return new Map([...inserted].map((row) => [row.message_id, Number(row.id)]));
}

/** The stored row of an inserted event, from what was inserted: nothing read back. */
export function insertedRow(insert: EventInsert, id: number, receivedAt: Date): EventRow {
  return {
    id,
    messageId: insert.messageId,
    customerId: insert.customerId,
    type: insert.type,
    name: insert.name ?? null,
    userId: insert.userId ?? null,
    anonymousId: insert.anonymousId ?? null,
    properties: insert.properties ?? {},
    context: insert.context ?? {},
    occurredAt: insert.occurredAt,
    receivedAt: insert.receivedAt ?? receivedAt,
    routedAt: insert.routedAt ?? null,
  };
}
