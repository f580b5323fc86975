import { inArray } from 'drizzle-orm';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveries } from '../../db/schema.js';
import { defaultCaps } from '../../domain/frequency-caps.js';
import { defineJourney } from '../../journeys/define-journey.js';
import { reportFigures, sized } from './chaos-figures.js';
import { createChaosRig, eventually, inLanes, type ChaosRig } from './chaos-rig.js';

/** Two journeys on one trigger: the same offer in both (one intent), and two messages of their own each. */
const racer = (id: string) =>
  defineJourney({
    id,
    name: `Race: ${id}`,
    trigger: { event: 'Race Start' },
    steps: (['offer', 'a', 'b'] as const).map((step) => ({
      id: step,
      type: 'send' as const,
      template: 'order-thank-you',
      channels: ['email' as const],
      intentKey: step === 'offer' ? 'race-offer' : `${id}-${step}`,
    })),
  });
const journeys = [racer('race-one'), racer('race-two')];
const dailyCap = defaultCaps.find((rule) => rule.id === 'any-channel-per-day')?.max ?? 0;

const recipientOf = (mail: ParsedMail) => {
  const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
  return to?.value[0]?.address ?? '';
};

describe('races between two workers', () => {
  const customers = sized(20, 200);
  let rig: ChaosRig;
  beforeAll(async () => {
    rig = await createChaosRig(journeys);
  });
  afterAll(async () => {
    await rig?.close();
  }, 600_000);

  it('six candidate messages per customer, two journeys, two workers: one offer, exactly the cap, never more', async () => {
    const users = await rig.identifyCustomers('race', customers);
    rig.startWorker();
    rig.startWorker();
    await inLanes(customers, 16, async (i) => {
      expect(await rig.post('track', { userId: users[i], event: 'Race Start', messageId: `race-${i}` })).toBe(
        200,
      );
    });
    await eventually(
      async () => [
        ...(await rig.runStatuses('race-one')).values(),
        ...(await rig.runStatuses('race-two')).values(),
      ],
      (statuses) => statuses.length === customers * 2 && statuses.every((status) => status === 'completed'),
      240_000,
      'every run completed',
    );
    const perCustomer = new Map<string, Set<string>>();
    for (const mail of rig.smtp.messages)
      perCustomer.set(
        recipientOf(mail),
        (perCustomer.get(recipientOf(mail)) ?? new Set()).add(mail.messageId ?? ''),
      );
    const ledger = await rig.database.db
      .select()
      .from(deliveries)
      .where(
        inArray(
          deliveries.journeyId,
          journeys.map((j) => j.id),
        ),
      );
    const offers = ledger.filter((row) => row.intentKey === 'race-offer' && row.status === 'sent');
    const offersPerCustomer = new Map<string, number>();
    for (const row of offers)
      offersPerCustomer.set(row.customerId, (offersPerCustomer.get(row.customerId) ?? 0) + 1);
    const overCap = [...perCustomer.values()].filter((ids) => ids.size > dailyCap).length;
    const intentRepeats = [...offersPerCustomer.values()].filter((n) => n > 1).length;
    const sentPerCustomer = [...perCustomer.values()].map((ids) => ids.size);
    await reportFigures('races', {
      customers,
      workers: 2,
      'candidate messages': customers * 6,
      sent: ledger.filter((row) => row.status === 'sent').length,
      'skipped for the cap': ledger.filter((row) => /cap any-channel-per-day/.test(row.reason ?? '')).length,
      'skipped as the same intent': ledger.filter((row) =>
        /intent "race-offer" already sent/.test(row.reason ?? ''),
      ).length,
      'cap violations': overCap,
      'intent repeats': intentRepeats,
    });
    expect(overCap).toBe(0);
    expect(intentRepeats).toBe(0);
    expect(sentPerCustomer).toEqual(Array(customers).fill(dailyCap));
    expect(rig.smtp.messages).toHaveLength(customers * dailyCap);
    expect(offers).toHaveLength(customers);
    expect(ledger.filter((row) => row.status === 'reserved' || row.status === 'sending')).toEqual([]);
  }, 600_000);
});
