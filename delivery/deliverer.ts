import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { deliveries } from '../db/schema.js';
import type { Channel, MessageCategory } from '../domain/channels.js';
import type { RunEvent, SendOutcome } from '../domain/journey-runtime.js';

/** What a send step asks for; the delivery pipeline decides whether, when and where it goes. */
export interface DeliveryRequest {
  /** Unique per (run, step): the message goes out at most once under this key. */
  dedupKey: string;
  customerId: string;
  journeyId: string;
  journeyVersion: string;
  workflowId: string;
  runId: string;
  stepId: string;
  template: string;
  channels: Channel[];
  intentKey: string;
  intentWindowMs?: number;
  category: MessageCategory;
  tags: string[];
  overCap: 'skip' | 'defer' | 'nextChannel';
  quietHours: 'defer' | 'skip';
  /** Absent in requests from runs started before it existed: `retry`. */
  onOutage?: 'retry' | 'nextChannel';
  trigger: RunEvent;
}

/** The ledger columns that come from the request itself; status and outcome are added by the caller. */
export function ledgerRow(request: DeliveryRequest, customerId: string) {
  return {
    dedupKey: request.dedupKey,
    customerId,
    journeyId: request.journeyId,
    journeyVersion: request.journeyVersion,
    workflowId: request.workflowId,
    runId: request.runId,
    stepId: request.stepId,
    intentKey: request.intentKey,
    category: request.category,
    tags: request.tags,
  };
}

export interface Deliverer {
  deliver(request: DeliveryRequest): Promise<SendOutcome>;
}

/**
 * The deliverer used while no channel adapter is configured: it records the request in the
 * ledger as skipped, with that reason, so nothing is dropped silently and a retried or replayed
 * step finds its earlier outcome instead of writing a second row.
 */
export function ledgerOnlyDeliverer(db: Database): Deliverer {
  return {
    async deliver(request) {
      const reason = 'no channel adapter is configured';
      const inserted = await db
        .insert(deliveries)
        .values({ ...ledgerRow(request, request.customerId), status: 'skipped', reason })
        .onConflictDoNothing({ target: deliveries.dedupKey })
        .returning({ status: deliveries.status });
      if (inserted.length > 0) return { status: 'skipped', reason };
      const [existing] = await db.select().from(deliveries).where(eq(deliveries.dedupKey, request.dedupKey));
      return { status: existing?.status === 'sent' ? 'sent' : 'skipped', reason: existing?.reason ?? reason };
    },
  };
}
