import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.js';
import { messageIdFor, senderDomain } from './email.js';

describe('the Message-ID of an email', () => {
  it('takes its domain from the sender address, in ASCII and lower case', () => {
    expect(senderDomain('Shop <shop@Example.com>')).toBe('example.com');
    expect(senderDomain('shop@mail.example.com')).toBe('mail.example.com');
    expect(senderDomain('"A <b@c.d>" <shop@shop.example.>')).toBe('shop.example');
    expect(senderDomain('Läden <post@exämple.com>')).toBe('xn--exmple-cua.com');
    expect(() => senderDomain('Shop')).toThrow(/no sender address/);
  });

  it('is the dedup key and the sender domain only: one identity per message', () => {
    const key = 'journey/abandoned-cart/c-1/cart-9/run-1/reminder-1';
    expect(messageIdFor(key, 'example.com')).toBe(`<${Buffer.from(key).toString('base64url')}@example.com>`);
    expect(messageIdFor(key, 'example.com')).not.toBe(messageIdFor(`${key}x`, 'example.com'));
  });

  it('EMAIL_FROM without an address with a domain is refused at load, by name', () => {
    expect(() => loadConfig({ EMAIL_FROM: 'Shop' })).toThrow(/^EMAIL_FROM="Shop" has no sender address/);
    expect(loadConfig({ SMTP_URL: 'smtp://127.0.0.1:25' }).channels.email?.from).toMatch(/@localhost>$/);
  });
});
