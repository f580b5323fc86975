import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelFailure } from '../delivery/channel-adapter.js';
import { createEmailAdapter, smtpAccount } from '../delivery/channels/email.js';
import { createPushAdapter } from '../delivery/channels/push.js';
import { createSmsAdapter } from '../delivery/channels/sms.js';
import { createWebhookAdapter } from '../delivery/channels/webhook.js';
import { startSmtpPeer, type SmtpPeer } from './helpers/smtp-peer.js';
import { startTwilioPeer, type TwilioPeer } from './helpers/twilio-peer.js';

/** How each adapter reports a provider's "slow down" (the governor's input), read at real peers. */
describe("providers' slow-down answers", () => {
  let smtp: SmtpPeer;
  let twilio: TwilioPeer;
  beforeAll(async () => {
    [smtp, twilio] = await Promise.all([startSmtpPeer(), startTwilioPeer()]);
  });
  afterAll(async () => {
    await twilio?.close();
    await smtp?.close();
  });

  const failureOf = async (send: () => Promise<unknown>) => {
    try {
      await send();
    } catch (error) {
      return error as ChannelFailure;
    }
    throw new Error('expected the send to fail');
  };

  it('SMTP 421 and a 451 naming a rate ask to slow down (1 s, no Retry-After in SMTP); a plain 451 (greylisting) does not', async () => {
    const adapter = createEmailAdapter({
      smtpUrl: smtp.url,
      from: 'Shop <s@example.test>',
      messageIdDomain: 'example.test',
    });
    const send = () =>
      adapter.send({
        message: { channel: 'email', subject: 's', html: '<p>h</p>', text: 't' },
        recipient: { channel: 'email', email: 'a@example.test' },
        idempotencyKey: 'k-421',
        category: 'transactional',
      });
    smtp.failNext(1, 421);
    expect(await failureOf(send)).toMatchObject({
      kind: 'transient',
      retryAfterMs: 1_000,
      mayHaveArrived: false,
    });
    smtp.failNext(1, 451, '4.7.0 too many messages, slow down');
    expect((await failureOf(send)).retryAfterMs).toBe(1_000);
    smtp.failNext(1, 451);
    expect((await failureOf(send)).retryAfterMs).toBeUndefined();
  });

  it('Twilio 429 asks to slow down and was not accepted (nothing to lose by retrying)', async () => {
    const adapter = createSmsAdapter({
      accountSid: twilio.accountSid,
      authToken: twilio.authToken,
      from: '+15005550006',
      apiBaseUrl: twilio.url,
    });
    twilio.failNext(1, 429);
    const failure = await failureOf(() =>
      adapter.send({
        message: { channel: 'sms', text: 'hi' },
        recipient: { channel: 'sms', phone: '+14155550100' },
        idempotencyKey: 'k-429',
        category: 'transactional',
      }),
    );
    expect(failure).toMatchObject({ kind: 'transient', retryAfterMs: 1_000, mayHaveArrived: false });
    expect(twilio.messages).toHaveLength(0);
  });

  it("a webhook receiver's 429 Retry-After (seconds) is carried to the governor", async () => {
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(429, { 'retry-after': '3' }).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const adapter = createWebhookAdapter({ url, secret: 's'.repeat(32) });
      const failure = await failureOf(() =>
        adapter.send({
          message: { channel: 'webhook', body: '{}' },
          recipient: { channel: 'webhook', customerId: 'c' },
          idempotencyKey: 'k-hook',
          category: 'transactional',
        }),
      );
      expect(failure).toMatchObject({ kind: 'transient', retryAfterMs: 3_000 });
      expect(adapter.rateAccount?.({ channel: 'webhook', customerId: 'c' })).toBe(new URL(url).origin);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('the provider account of each channel: SMTP user@host:port (never the password), Twilio SID, push service origin', () => {
    expect(smtpAccount('smtp://mailer:secret@mail.example.com:2525')).toBe('mailer@mail.example.com:2525');
    expect(smtpAccount('smtps://mail.example.com')).toBe('mail.example.com:465');
    const sms = createSmsAdapter({ accountSid: twilio.accountSid, authToken: 't', from: '+15005550006' });
    expect(sms.rateAccount?.({ channel: 'sms', phone: '+14155550100' })).toBe(twilio.accountSid);
    const vapid = { subject: 'mailto:a@example.test', publicKey: 'p', privateKey: 'k' };
    const subscription = {
      endpoint: 'https://fcm.googleapis.com/fcm/send/abc',
      keys: { p256dh: 'x', auth: 'y' },
    };
    expect(createPushAdapter({ vapid }).rateAccount?.({ channel: 'push', subscription })).toBe(
      'https://fcm.googleapis.com',
    );
  });
});
