import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Queryable } from '../db/queryable.js';
import { customers, segmentMemberships } from '../db/schema.js';
import { isValidTimeZone } from '../domain/local-time.js';

/** A customer without a (valid) time zone is in this one, as the delivery decision's quiet hours assume. */
export const defaultCustomerTimeZone = 'UTC';

/** The zone a scheduled entry uses for a customer's `time_zone` as stored (unset or unknown: the default). */
export function effectiveZone(stored: string | null): string {
  return stored && isValidTimeZone(stored) ? stored : defaultCustomerTimeZone;
}

/**
 * The stored `time_zone` values of a segment's members (null included), one row each: the zones a
 * `timeZone: customer` schedule fires in. Distinct over the members index, not a scan per zone.
 */
export async function memberTimeZones(q: Queryable, segmentId: string): Promise<(string | null)[]> {
  const rows = await q
    .selectDistinct({ zone: customers.timeZone })
    .from(segmentMemberships)
    .innerJoin(customers, eq(customers.id, segmentMemberships.customerId))
    .where(and(eq(segmentMemberships.segmentId, segmentId), eq(segmentMemberships.member, true)))
    .limit(10_000);
  return rows.map((row) => row.zone);
}

/**
 * One page of a segment's members after `cursor` (customer-id order), with their stored zones; for
 * a `timeZone: customer` fire only those whose stored zone is one of `storedZones` (null: unset).
 */
export function membersPage(
  q: Queryable,
  page: { segmentId: string; cursor: string | undefined; limit: number; storedZones?: (string | null)[] },
) {
  const { segmentId, cursor, limit, storedZones } = page;
  const named = storedZones?.filter((zone): zone is string => zone !== null) ?? [];
  const zoneFilter =
    storedZones === undefined
      ? undefined
      : sql`(${customers.timeZone} = any(${sql.param(named)}::text[])${storedZones.includes(null) ? sql` or ${customers.timeZone} is null` : sql``})`;
  return q
    .select({ customerId: segmentMemberships.customerId, timeZone: customers.timeZone })
    .from(segmentMemberships)
    .innerJoin(customers, eq(customers.id, segmentMemberships.customerId))
    .where(
      and(
        eq(segmentMemberships.segmentId, segmentId),
        eq(segmentMemberships.member, true),
        cursor === undefined ? undefined : gt(segmentMemberships.customerId, cursor),
        zoneFilter,
      ),
    )
    .orderBy(asc(segmentMemberships.customerId))
    .limit(limit);
}
