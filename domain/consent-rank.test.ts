import { describe, expect, it } from 'vitest';
import {
  consentRank,
  consentRanks,
  prevails,
  type ConsentDecision,
  type ConsentSource,
} from './consent-rank.js';

const at = (iso: string) => new Date(iso);
const decision = (source: string, status: ConsentDecision['status'], iso: string): ConsentDecision => ({
  source,
  status,
  at: at(iso),
});

describe('consent ranked by source', () => {
  it('ranks every source in use; an unknown source ranks lowest', () => {
    const own: ConsentSource[] = [
      'admin',
      'one-click',
      'push-subscription',
      'twilio:21610',
      'sms-keyword:STOP',
      'sms-keyword:START',
      'provider:sms',
      'provider:push',
    ];
    for (const source of own) expect(consentRank(source), source).toBe(consentRanks.own);
    expect(consentRank('identify')).toBe(consentRanks.clientTraits);
    expect(consentRank('identify:client')).toBe(consentRanks.clientTraits);
    expect(consentRank('identify:server')).toBe(consentRanks.serverTraits);
    expect(consentRank('something-new')).toBe(consentRanks.unknown);
    expect(consentRank('toString')).toBe(consentRanks.unknown);
    expect(consentRank('')).toBe(consentRanks.unknown);
    expect(consentRanks.unknown).toBeLessThan(consentRanks.clientTraits);
    expect(consentRanks.clientTraits).toBeLessThan(consentRanks.serverTraits);
    expect(consentRanks.serverTraits).toBeLessThan(consentRanks.own);
  });

  it("the customer's own decision beats an identify whatever the times", () => {
    const futureIdentify = decision('identify', 'subscribed', '9999-01-01T00:00:00Z');
    const unsubscribe = decision('one-click', 'unsubscribed', '2026-01-01T00:00:00Z');
    expect(prevails(unsubscribe, futureIdentify)).toBe(true);
    expect(prevails(futureIdentify, unsubscribe)).toBe(false);
    const resubscribe = decision('identify', 'subscribed', '2027-01-01T00:00:00Z');
    expect(prevails(resubscribe, unsubscribe)).toBe(false);
    expect(
      prevails(decision('sms-keyword:STOP', 'unsubscribed', '2000-01-01T00:00:00Z'), futureIdentify),
    ).toBe(true);
    expect(prevails(decision('provider:sms', 'unsubscribed', '2000-01-01T00:00:00Z'), futureIdentify)).toBe(
      true,
    );
  });

  it("an admin's decision beats an identify; between admin and customer the newest wins", () => {
    const adminOff = decision('admin', 'unsubscribed', '2026-01-01T00:00:00Z');
    expect(prevails(decision('identify', 'subscribed', '2026-06-01T00:00:00Z'), adminOff)).toBe(false);
    expect(prevails(decision('one-click', 'unsubscribed', '2026-01-01T00:00:01Z'), adminOff)).toBe(true);
    const customerOff = decision('one-click', 'unsubscribed', '2026-01-01T00:00:00Z');
    expect(prevails(decision('admin', 'subscribed', '2026-01-01T00:00:01Z'), customerOff)).toBe(true);
    expect(prevails(decision('admin', 'subscribed', '2025-12-31T23:59:59Z'), customerOff)).toBe(false);
  });

  it('a server identify beats a client identify; an unknown source is beaten by anything', () => {
    const client = decision('identify:client', 'subscribed', '9999-01-01T00:00:00Z');
    expect(prevails(decision('identify:server', 'unsubscribed', '2026-01-01T00:00:00Z'), client)).toBe(true);
    expect(prevails(client, decision('identify:server', 'unsubscribed', '2026-01-01T00:00:00Z'))).toBe(false);
    const unknown = decision('legacy-import', 'unsubscribed', '9999-01-01T00:00:00Z');
    expect(prevails(decision('identify', 'subscribed', '2026-01-01T00:00:00Z'), unknown)).toBe(true);
  });

  it('within a rank the newest wins; on the same instant an unsubscribe wins', () => {
    const standing = decision('identify', 'subscribed', '2026-01-01T00:00:00Z');
    expect(prevails(decision('identify', 'unsubscribed', '2025-12-31T00:00:00Z'), standing)).toBe(false);
    expect(prevails(decision('identify', 'unsubscribed', '2026-01-02T00:00:00Z'), standing)).toBe(true);
    expect(prevails(decision('identify', 'unsubscribed', '2026-01-01T00:00:00Z'), standing)).toBe(true);
    const off = decision('admin', 'unsubscribed', '2026-01-01T00:00:00Z');
    expect(prevails(decision('one-click', 'subscribed', '2026-01-01T00:00:00Z'), off)).toBe(false);
  });

  it('never ignores a newer opt-out, whatever its rank; an older one changes nothing', () => {
    const adminOn = decision('admin', 'subscribed', '2026-01-01T00:00:00Z');
    expect(prevails(decision('identify', 'unsubscribed', '2026-01-02T00:00:00Z'), adminOn)).toBe(true);
    expect(prevails(decision('identify', 'unsubscribed', '2025-12-31T00:00:00Z'), adminOn)).toBe(false);
    expect(prevails(decision('identify', 'subscribed', '2026-01-02T00:00:00Z'), adminOn)).toBe(false);
  });
});
