import { describe, expect, it } from 'vitest';
import { deliveryAddresses, type AddressIdentity } from './delivery-address.js';

const at = (day: number) => new Date(Date.UTC(2026, 0, day));
const email = (value: string, fields: Partial<AddressIdentity> = {}): AddressIdentity => ({
  kind: 'email',
  value,
  verifiedAt: at(1),
  mergedFromId: null,
  unreachableAt: null,
  ...fields,
});

describe('deliveryAddresses', () => {
  it('never offers a claim nobody vouched for, nor an unreachable address', () => {
    const rows = [
      email('claimed@example.com', { verifiedAt: null }),
      email('bounced@example.com', { unreachableAt: at(2) }),
      email('ok@example.com'),
    ];
    expect(deliveryAddresses(rows, 'email')).toEqual(['ok@example.com']);
  });

  it("puts the customer's own address before one a merge brought in, even a newer one", () => {
    const rows = [
      email('merged@example.com', { mergedFromId: 'c2', verifiedAt: at(9) }),
      email('own@example.com'),
    ];
    expect(deliveryAddresses(rows, 'email')).toEqual(['own@example.com', 'merged@example.com']);
  });

  it('among its own, the most recently verified first; ties by value, whatever the row order', () => {
    const rows = [
      email('b@example.com'),
      email('old@example.com', { verifiedAt: at(0) }),
      email('a@example.com'),
      email('new@example.com', { verifiedAt: at(5) }),
    ];
    const expected = ['new@example.com', 'a@example.com', 'b@example.com', 'old@example.com'];
    expect(deliveryAddresses(rows, 'email')).toEqual(expected);
    expect(deliveryAddresses([...rows].reverse(), 'email')).toEqual(expected);
  });

  it('keeps kinds apart', () => {
    expect(
      deliveryAddresses([email('a@example.com'), { ...email('+33612345678'), kind: 'phone' }], 'phone'),
    ).toEqual(['+33612345678']);
  });
});
