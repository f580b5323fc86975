import { and, desc, eq, gte } from 'drizzle-orm';
import type { Queryable } from '../db/queryable.js';
import { deliveries, type deliveryStatuses } from '../db/schema.js';
import type { Channel } from '../domain/channels.js';

/** The ledger's filters, as `deliveries list` and GET /admin/deliveries take them (all optional). */
export interface LedgerFilter {
  customerId?: string;
  status?: (typeof deliveryStatuses)[number];
  channel?: Channel;
  journeyId?: string;
  since?: Date;
  limit: number;
}

/** Ledger rows matching every given filter, newest first. */
export function listDeliveries(db: Queryable, filter: LedgerFilter) {
  return db
    .select()
    .from(deliveries)
    .where(
      and(
        filter.customerId ? eq(deliveries.customerId, filter.customerId) : undefined,
        filter.status ? eq(deliveries.status, filter.status) : undefined,
        filter.channel ? eq(deliveries.channel, filter.channel) : undefined,
        filter.journeyId ? eq(deliveries.journeyId, filter.journeyId) : undefined,
        filter.since ? gte(deliveries.createdAt, filter.since) : undefined,
      ),
    )
    .orderBy(desc(deliveries.createdAt), desc(deliveries.id))
    .limit(filter.limit);
}
