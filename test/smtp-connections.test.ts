import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelFailure } from '../delivery/channel-adapter.js';
import { createEmailAdapter } from '../delivery/channels/email.js';
import { startSmtpPeer, type SmtpPeer } from './helpers/smtp-peer.js';

/**
 * The email adapter keeps its SMTP connections open between messages (one message on a connection
 * at a time), against the real SMTP peer: it opens few connections, survives a server that closes
 * idle ones, and never reuses the connection of a message that was cut off.
 */
describe('SMTP connections kept between messages', () => {
  let peer: SmtpPeer | undefined;
  afterEach(async () => {
    await peer?.close();
    peer = undefined;
  });
  const adapterFor = (smtpUrl: string) =>
    createEmailAdapter({
      smtpUrl,
      from: 'Shop <shop@shop.test>',
      messageIdDomain: 'shop.test',
      timeouts: { connectMs: 2_000, responseMs: 5_000 },
    });
  const send = (adapter: ReturnType<typeof adapterFor>, i: number, signal?: AbortSignal) =>
    adapter.send({
      message: { channel: 'email', subject: `hello ${i}`, html: `<p>${i}</p>`, text: `${i}` },
      recipient: { channel: 'email', email: `c${i}@example.test` },
      idempotencyKey: `conn-test:${i}`,
      category: 'transactional',
      unsubscribeUrl: undefined,
      signal,
    });

  it('120 messages, 4 at a time: at most 4 connections, each message once', async () => {
    peer = await startSmtpPeer();
    const adapter = adapterFor(peer.url);
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < 120) await send(adapter, next++);
      }),
    );
    expect(peer.messages).toHaveLength(120);
    expect(new Set(peer.messages.map((m) => m.messageId)).size).toBe(120);
    expect(peer.connections).toBeLessThanOrEqual(4);
  });

  it('a server that closes idle connections: the next message goes out on a new one', async () => {
    peer = await startSmtpPeer({ idleTimeoutMs: 200 });
    const adapter = adapterFor(peer.url);
    await send(adapter, 1);
    await sleep(600);
    await send(adapter, 2);
    expect(peer.messages.map((m) => m.subject)).toEqual(['hello 1', 'hello 2']);
    expect(peer.connections).toBe(2);
  });

  it('a message cut off while the server holds its reply: its connection is dropped, never reused', async () => {
    peer = await startSmtpPeer({ replyDelayMs: 1_000 });
    const adapter = adapterFor(peer.url);
    await send(adapter, 1);
    expect(peer.connections).toBe(1);
    const error = await send(adapter, 2, AbortSignal.timeout(300)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelFailure);
    await send(adapter, 3);
    // 1 and 3 confirmed; 2 reached the server (kept before its held reply) on the connection dropped.
    expect(peer.connections).toBe(2);
    expect(peer.messages.map((m) => m.subject)).toEqual(['hello 1', 'hello 2', 'hello 3']);
  });
});
