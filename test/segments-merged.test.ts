import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSegmentCatalog } from '../audiences/segment-catalog.js';
import { deploySegments } from '../audiences/segment-store.js';
import { updateMemberships } from '../audiences/update-memberships.js';
import { validateSegment } from '../domain/segment-definition.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';

/**
 * A segment of events alone is read in one statement, locked or not (audiences/quick-facts.ts):
 * it must still tell a customer merged into another, who holds nothing and is evaluated no more
 * (the clock then stops waiting for their rows), from a live one.
 */
const viewers = (() => {
  const parsed = validateSegment({
    id: 'viewers',
    name: 'Viewed something',
    conditions: [{ event: 'Product Viewed' }],
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.definition;
})();

describe('segment membership of a merged-away customer', () => {
  let database: TestDatabase;
  const live = '11111111-1111-4111-8111-111111111111';
  const gone = '22222222-2222-4222-8222-222222222222';
  beforeAll(async () => {
    database = await createTestDatabase();
    await deploySegments(database.db, [viewers]);
    await database.db.execute(sql`insert into customers (id, traits) values (${live}, '{}')`);
    await database.db.execute(
      sql`insert into customers (id, traits, merged_into_id) values (${gone}, '{}', ${live})`,
    );
    for (const id of [live, gone])
      await database.db
        .execute(sql`insert into events (message_id, customer_id, type, name, properties, context, occurred_at, received_at)
        values (${`view-${id}`}, ${id}, 'track', 'Product Viewed', '{}', '{}', now(), now())`);
  });
  afterAll(() => database?.drop());

  it('evaluates the live customer and answers "no profile" for the one merged away, writing nothing for them', async () => {
    const index = await createSegmentCatalog({ ttlMs: 0 }).current(database.db);
    const update = (customerId: string) =>
      updateMemberships(database.db, index, {
        customerId,
        segmentIds: ['viewers'],
        at: new Date(),
        cause: new Date(),
      });
    expect((await update(live))?.map((event) => event.name)).toEqual(['Segment Entered']);
    expect(await update(gone)).toBeUndefined();
    const rows = await database.db.execute<{ customer_id: string }>(
      sql`select customer_id from segment_memberships`,
    );
    expect(rows.map((row) => row.customer_id)).toEqual([live]);
  });
});
