import { randomUUID } from 'node:crypto';
import { and, eq, isNotNull, isNull, like, ne, or } from 'drizzle-orm';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { customers, identities } from '../db/schema.js';
import { loadCustomerContact } from '../delivery/customer-contact.js';
import { postJson, useApiWithDatabase, type TestApi } from './helpers/api.js';
import type { TestDatabase } from './helpers/test-database.js';

/** Who sends a call: the shop's server, a browser with a public key, or a browser with a user token. */
type Sender = 'server' | 'client' | 'token';
interface Call {
  type: 'identify' | 'alias' | 'track';
  sender: Sender;
  anonymousId?: number;
  userId?: number;
  previousId?: number;
  email?: number;
  phone?: number;
}

const slot = (n: number) => fc.option(fc.nat(n), { nil: undefined });
const callArbitrary: fc.Arbitrary<Call> = fc.oneof(
  fc.record({
    type: fc.constant('identify' as const),
    sender: fc.constantFrom<Sender>('server', 'client', 'token'),
    anonymousId: slot(3),
    userId: slot(2),
    email: slot(3),
    phone: slot(2),
  }),
  fc.record({
    type: fc.constant('alias' as const),
    sender: fc.constantFrom<Sender>('server', 'client'),
    previousId: fc.nat(3),
    userId: fc.nat(2),
  }),
  fc.record({
    type: fc.constant('track' as const),
    sender: fc.constantFrom<Sender>('client'),
    anonymousId: fc.nat(3),
  }),
);

/**
 * Issue 15, acceptance 6: random identifies and aliases from server keys, public client keys and
 * clients with signed user tokens, against the real API and PostgreSQL. Whatever the sequence, no
 * customer's delivery address (or verified identity) came from a claim only a client made.
 */
describe('merges under claims from every kind of sender (property)', () => {
  const context = useApiWithDatabase();
  let database: TestDatabase;
  let api: TestApi;
  beforeAll(() => void ({ database, api } = context));

  const sign = (sub: string) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(api.secrets.userTokenSecret ?? ''));

  /**
   * The message a call sends, in a namespace of its own so runs never meet: ids and emails carry
   * `ns`, phones the run's number block (+33 6 12 RRR PP).
   */
  function messageOf(call: Call, ns: string, run: number) {
    const anonymousId = call.anonymousId === undefined ? undefined : `a${call.anonymousId}-${ns}`;
    const userId = call.userId === undefined ? undefined : `u${call.userId}-${ns}`;
    if (call.type === 'alias')
      return { type: 'alias', previousId: `a${call.previousId}-${ns}`, userId, messageId: randomUUID() };
    if (call.type === 'track')
      return { type: 'track', anonymousId, event: 'Product Viewed', messageId: randomUUID() };
    const traits: Record<string, string> = {};
    if (call.email !== undefined) traits.email = `e${call.email}-${ns}@example.com`;
    if (call.phone !== undefined) traits.phone = phoneOf(run, call.phone);
    // Segment needs one of the two ids.
    return {
      type: 'identify',
      anonymousId: anonymousId ?? (userId ? undefined : `a0-${ns}`),
      userId,
      traits,
      messageId: randomUUID(),
    };
  }

  async function send(call: Call, ns: string, run: number): Promise<number> {
    const message = messageOf(call, ns, run);
    const key = call.sender === 'server' ? api.writeKey : api.clientKey;
    const headers: Record<string, string> = {
      authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}`,
    };
    if (call.sender === 'token' && message.userId) headers['x-user-token'] = await sign(message.userId);
    const response = await postJson(api, `/v1/${message.type}`, message, headers);
    return response.status;
  }

  it('no delivery address, and no verified identity, comes from a client-key claim', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(callArbitrary, { minLength: 1, maxLength: 10 }), async (calls) => {
        const ns = randomUUID().slice(0, 8);
        const run = runs++;
        // What trusted senders vouched for: a server key every identity, a token its userId.
        const vouched = new Set<string>();
        let stored = 0;
        for (const call of calls) {
          const status = await send(call, ns, run);
          if (call.type === 'alias' && call.sender !== 'server') {
            expect(status).toBe(403);
            continue;
          }
          expect(status).toBe(200);
          stored++;
          const message = messageOf(call, ns, run);
          if (call.sender === 'server' && 'traits' in message && message.traits) {
            if (message.traits.email) vouched.add(`email:${message.traits.email}`);
            if (message.traits.phone) vouched.add(`phone:${message.traits.phone}`);
          }
          if (call.sender !== 'client' && message.userId) vouched.add(`user_id:${message.userId}`);
        }

        const ours = or(
          like(identities.value, `%-${ns}%`),
          like(identities.value, `${phoneOf(run, 0).slice(0, -2)}%`),
        );
        const live = await database.db
          .selectDistinct({ id: customers.id })
          .from(customers)
          .innerJoin(identities, eq(identities.customerId, customers.id))
          .where(and(isNull(customers.mergedIntoId), ours));
        expect(live.length > 0).toBe(stored > 0);
        for (const { id } of live) {
          const contact = await loadCustomerContact(database.db, id);
          for (const email of contact?.emails ?? []) expect(vouched, id).toContain(`email:${email}`);
          for (const phone of contact?.phones ?? []) expect(vouched, id).toContain(`phone:${phone}`);
        }
        // Nor is any verified email, phone or userId of the run one that only a client named.
        const verified = await database.db
          .select({ kind: identities.kind, value: identities.value })
          .from(identities)
          .where(and(isNotNull(identities.verifiedAt), ne(identities.kind, 'anonymous_id'), ours));
        for (const row of verified) expect(vouched).toContain(`${row.kind}:${row.value}`);
      }),
      { numRuns: 40, seed: Number(process.env.PROPERTY_SEED ?? Date.now() % 2 ** 31) },
    );
    expect(runs).toBeGreaterThanOrEqual(40);
  });
});

/** A valid French mobile number unique to the run and the slot. */
function phoneOf(run: number, slot: number): string {
  return `+33612${String(run % 1000).padStart(3, '0')}${String(slot).padStart(2, '0')}`;
}
