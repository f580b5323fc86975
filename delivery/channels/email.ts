import { domainToASCII } from 'node:url';
import { defaultBackOffMs } from '../../domain/token-bucket.js';
import { readPemFile } from '../../infra/read-pem.js';
import { abortedFailure, ChannelFailure, providerTimeouts, type ChannelAdapter } from '../channel-adapter.js';
import { oneLine, plain, renderPart } from '../liquid.js';
import type { ChannelModule } from './channel-module.js';
import { smtpConnections } from './smtp-connections.js';

type EmailRecipient = { channel: 'email'; email: string };

export const email = {
  channel: 'email',
  recipient: (contact) =>
    contact.emails[0] ? { channel: 'email', email: contact.emails[0] } : 'no reachable email address',
  render: async (parts, context) => ({
    channel: 'email',
    subject: oneLine(await renderPart('subject', parts.subject, context)),
    html: await renderPart('html', parts.html, context),
    text: plain(await renderPart('text', parts.text, context)),
  }),
  // Only configured values that every process kind reads alike (never the API's address, which
  // `start` and `worker` work out differently): a resend from any worker carries the same Message-ID.
  fromConfig({ config }) {
    const settings = config.channels.email;
    if (!settings) return undefined;
    return createEmailAdapter({
      smtpUrl: settings.smtpUrl,
      from: settings.from,
      messageIdDomain: senderDomain(settings.from),
      dkim: settings.dkim && {
        domainName: settings.dkim.domainName,
        keySelector: settings.dkim.keySelector,
        privateKey: readPemFile(settings.dkim.privateKeyPath, 'DKIM_PRIVATE_KEY_PATH').toString(),
      },
    });
  },
  deadAddress: (recipient) => ({ identity: 'email', value: recipient.email }),
} satisfies ChannelModule<'email', EmailRecipient>;

/**
 * The domain of the sender's address (`Shop <shop@example.com>` → `example.com`), in ASCII
 * (IDNA), lower-cased: the right-hand side of every Message-ID, the same in every process.
 */
export function senderDomain(from: string): string {
  const address = /<([^<>]*)>\s*$/.exec(from)?.[1] ?? from;
  const domain = /@([^@\s<>]+)$/.exec(address.trim())?.[1]?.replace(/\.$/, '');
  const ascii = domain ? domainToASCII(domain.toLowerCase()) : '';
  if (!ascii) throw new Error(`EMAIL_FROM ${JSON.stringify(from)} has no sender address with a domain`);
  return ascii;
}

/** `<base64url(dedup key)@domain>`: one identity per message, whichever process sends it, however often. */
export function messageIdFor(idempotencyKey: string, domain: string): string {
  return `<${Buffer.from(idempotencyKey).toString('base64url')}@${domain}>`;
}

interface EmailAdapterOptions {
  /** smtp://user:pass@host:port or smtps://… */
  smtpUrl: string;
  from: string;
  /** Domain for Message-IDs: the sender's (`senderDomain(from)`), e.g. example.com. */
  messageIdDomain: string;
  dkim?: { domainName: string; keySelector: string; privateKey: string };
  /** Connect (and greeting) and per-reply bounds; default `providerTimeouts`. Tests shorten them. */
  timeouts?: { connectMs: number; responseMs: number };
}

/**
 * SMTP reply codes: 4xx and connection errors are worth retrying, 5xx are not, 550/551/553 mean no
 * such mailbox. 421 (service closing) and a 451 that names a rate (4.7.x, "too many") ask the
 * sender to slow down: the governor pauses the account (SMTP gives no Retry-After).
 */
function classify(error: unknown): ChannelFailure {
  const e = error as { responseCode?: number; code?: string; message?: string };
  const text = e.message ?? String(error);
  if (e.responseCode && e.responseCode >= 500) {
    return new ChannelFailure(
      [550, 551, 553].includes(e.responseCode) ? 'unreachable' : 'permanent',
      `SMTP ${e.responseCode}: ${text}`,
    );
  }
  const slowDown =
    e.responseCode === 421 || (e.responseCode === 451 && /\b4\.7\.\d+\b|rate|too many|throttl/i.test(text));
  if (slowDown)
    return new ChannelFailure('transient', `SMTP ${e.responseCode}: ${text}`, false, defaultBackOffMs);
  return new ChannelFailure('transient', `SMTP: ${text}`);
}

/** The SMTP account a message counts against: user@host:port, never the password. */
export function smtpAccount(smtpUrl: string): string {
  const url = new URL(smtpUrl);
  const port = url.port || (url.protocol === 'smtps:' ? '465' : '587');
  const user = url.username ? `${decodeURIComponent(url.username)}@` : '';
  return `${user}${url.hostname}:${port}`;
}

/**
 * Email over SMTP with nodemailer: HTML and text, and on marketing mail List-Unsubscribe with
 * List-Unsubscribe-Post (RFC 8058), signed by DKIM when configured. At-least-once at the crash
 * window: a resend carries the same Message-ID, which mail systems use to drop duplicates.
 */
export function createEmailAdapter(options: EmailAdapterOptions): ChannelAdapter<'email', EmailRecipient> {
  const { connectMs, responseMs } = options.timeouts ?? providerTimeouts;
  const transportOptions = {
    connectionTimeout: connectMs,
    greetingTimeout: connectMs,
    // Also bounds the wait for the reply to the end of DATA (nodemailer's default is 10 minutes).
    socketTimeout: responseMs,
    dkim: options.dkim
      ? {
          ...options.dkim,
          headerFieldNames: 'from:to:subject:date:message-id:list-unsubscribe:list-unsubscribe-post',
        }
      : undefined,
  };
  const account = smtpAccount(options.smtpUrl);
  const connections = smtpConnections({
    transport: { url: options.smtpUrl, ...transportOptions },
    connectMs,
  });
  return {
    channel: 'email',
    crashWindow: 'at-least-once',
    rateAccount: () => account,
    async send({ message, recipient, idempotencyKey, category, unsubscribeUrl, signal }) {
      const messageId = messageIdFor(idempotencyKey, options.messageIdDomain);
      if (signal?.aborted) throw abortedFailure(signal, 'email');
      try {
        const mail = {
          from: options.from,
          to: recipient.email,
          subject: message.subject,
          html: message.html,
          text: message.text,
          messageId,
          ...(category === 'marketing' && unsubscribeUrl
            ? {
                list: { unsubscribe: { url: unsubscribeUrl, comment: 'Unsubscribe' } },
                headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
              }
            : {}),
        };
        const info = await connections.send(mail, signal);
        if (info.rejected.length > 0)
          throw new ChannelFailure('unreachable', `SMTP rejected ${recipient.email}`);
        return { providerMessageId: info.messageId };
      } catch (error) {
        if (signal?.aborted) throw abortedFailure(signal, 'email');
        if (error instanceof ChannelFailure) throw error;
        throw classify(error);
      }
    },
  };
}
