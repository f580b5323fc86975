import { describe, expect, it } from 'vitest';
import type { CustomerContact } from '../customer-contact.js';
import { sms } from './sms.js';

const contact = (phones: string[]): CustomerContact => ({
  customerId: 'c',
  profile: { traits: {}, orderCount: 0, lifetimeValue: 0, lastOrder: null },
  cart: null,
  timeZone: undefined,
  consent: {},
  emails: [],
  phones,
  pushSubscriptions: [],
});

describe('the SMS recipient', () => {
  it('is the first number without an extension (a switchboard extension cannot take a text)', () => {
    expect(sms.recipient(contact(['+14155552671;ext=12', '+33612345678']))).toEqual({
      channel: 'sms',
      phone: '+33612345678',
    });
    expect(sms.recipient(contact(['+14155552671;ext=12']))).toBe('no reachable phone number');
    expect(sms.recipient(contact([]))).toBe('no reachable phone number');
  });
});
