import { Context } from '@temporalio/activity';
import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { customers } from '../db/schema.js';
import type { Deliverer, DeliveryRequest } from '../delivery/delivery-request.js';
import type { SendOutcome } from '../domain/journey-runtime.js';
import { mergeTraits } from '../domain/traits.js';
import { canonicalCustomerId } from '../customers/resolve-customer.js';
import { loadProfileSnapshot, type ProfileSnapshot } from '../customers/profile-snapshot.js';

const heartbeatEveryMs = 2_000;

/** Activities that journey steps call: read the profile, update it, and ask for a delivery. */
export function createJourneyStepActivities(db: Database, deliverer: Deliverer) {
  return {
    loadProfile(customerId: string): Promise<ProfileSnapshot | null> {
      return loadProfileSnapshot(db, customerId);
    },

    async updateProfileTraits(input: {
      customerId: string;
      traits: Record<string, unknown>;
      at: string;
    }): Promise<void> {
      await db.transaction(async (tx) => {
        const id = (await canonicalCustomerId(tx, input.customerId)) ?? input.customerId;
        const [row] = await tx.select().from(customers).where(eq(customers.id, id)).for('update');
        if (!row) return;
        const merged = mergeTraits(
          { traits: row.traits, traitTimes: row.traitTimes },
          input.traits,
          new Date(input.at),
        );
        await tx
          .update(customers)
          .set({ traits: merged.traits, traitTimes: merged.traitTimes })
          .where(eq(customers.id, id));
      });
    },

    /**
     * As a regular activity it heartbeats while it works, so a worker that dies mid-send is noticed
     * within the workflow's heartbeat timeout (seconds) rather than the send's start-to-close
     * timeout (minutes); a slow provider on a live worker keeps heartbeating and is not cut off.
     */
    async deliver(request: DeliveryRequest): Promise<SendOutcome> {
      const context = Context.current();
      // As a local activity (`deliver-local`) it runs inside the workflow task: no heartbeat to send.
      const beat = context.info.isLocal
        ? undefined
        : setInterval(() => context.heartbeat(), heartbeatEveryMs);
      if (beat) context.heartbeat();
      try {
        return await deliverer.deliver(request, {
          signal: context.cancellationSignal,
          attempt: context.info.attempt,
        });
      } finally {
        clearInterval(beat);
      }
    },
  };
}

export type JourneyStepActivities = ReturnType<typeof createJourneyStepActivities>;
