/**
 * The audiences side of the engine under test: a segment's members inserted in bulk for a
 * broadcast, ten event-driven segments for the ingest comparison, and a broadcast run to its end.
 * Like bench/engine.ts, the bench module that imports the engine's modules for this phase.
 */
import { sql } from 'drizzle-orm';
import { deploySegments } from '../audiences/segment-store.js';
import { segmentVersions } from '../db/schema.js';
import { broadcastWorkflowId } from '../domain/broadcast.js';
import { zoneWhereItIs } from '../domain/local-time.js';
import { validateSegment } from '../domain/segment-definition.js';
import { createBroadcast } from '../runs/broadcast-control.js';
import type { BenchEnv } from './environment.js';

/** The event the ten bench segments count (the ingest comparison's "with segments" side). */
export const segmentedEvent = 'Bench Segmented';
/** An event no segment counts (the ingest comparison's other side). */
export const unsegmentedEvent = 'Bench Unsegmented';

export function audiences({ db, client }: BenchEnv, taskQueue: string) {
  return {
    /**
     * `count` customers with a verified email in a daytime zone, all members of `segmentId` (the
     * membership rows written as they are: the bench measures the broadcast, not the segment).
     */
    async seedAudience(segmentId: string, count: number): Promise<void> {
      const zone = zoneWhereItIs(13, new Date());
      await db
        .insert(segmentVersions)
        .values({
          segmentId,
          version: 'bench',
          definition: {
            id: segmentId,
            name: `Bench audience ${segmentId}`,
            match: 'all',
            conditions: [{ trait: { path: 'audience', op: 'eq', value: segmentId } }],
          },
        })
        .onConflictDoNothing();
      for (let done = 0; done < count; done += 10_000) {
        const n = Math.min(10_000, count - done);
        await db.execute(sql`
          with inserted as (
            insert into customers (time_zone, traits)
            select ${zone}, jsonb_build_object('audience', ${segmentId}::text, 'i', ${done} + i)
            from generate_series(0, ${n - 1}) as i returning id, (traits->>'i')::int as i
          ), emails as (
            insert into identities (customer_id, kind, value, verified_at)
            select id, 'email', ${segmentId} || '-' || i || '@bench.test', now() from inserted
          )
          insert into segment_memberships (segment_id, customer_id, member, segment_version, entered_at, entries)
          select ${segmentId}, id, true, 'bench', now() - interval '1 day', 1 from inserted`);
      }
    },
    /** Ten segments on `Bench Segmented` (1 to 10 of them in 7 days), as a shop's browse segments. */
    async deployEventSegments(): Promise<void> {
      const definitions = Array.from({ length: 10 }, (_, i) => {
        const checked = validateSegment({
          id: `bench-segmented-${i + 1}`,
          name: `Bench: ${i + 1} or more in 7 days`,
          conditions: [{ event: segmentedEvent, count: { gte: i + 1 }, within: '7d' }],
        });
        if (!checked.ok) throw new Error(`bench: ${JSON.stringify(checked.problems)}`);
        return checked.definition;
      });
      await deploySegments(db, definitions);
    },
    /** A broadcast of the win-back email to the segment, awaited to its end: customers processed. */
    async broadcastToEnd(segmentId: string): Promise<number> {
      const created = await createBroadcast(
        db,
        { client, taskQueue },
        { segment: segmentId, template: 'win-back', channels: ['email'], name: `bench ${segmentId}` },
      );
      const result: { processed?: number } = await client.workflow
        .getHandle(broadcastWorkflowId(created.id))
        .result();
      return result.processed ?? 0;
    },
    /** Ledger rows of the segment's broadcasts by status. */
    async sentTo(segmentId: string): Promise<number> {
      const [row] = await db.execute<{ n: string }>(sql`
        select count(*) as n from deliveries d join broadcasts b on d.workflow_id = 'broadcast-' || b.id
        where b.segment_id = ${segmentId} and d.status in ('sent', 'delivered')`);
      return Number(row?.n ?? 0);
    },
  };
}
