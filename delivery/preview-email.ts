import nodemailer from 'nodemailer';
import type { MessageOf } from './channel-adapter.js';
import type { ChannelPreview } from './preview-message.js';
import { messageIdFor, senderDomain } from './channels/email.js';

/** The sender a preview shows when no EMAIL_FROM is configured. */
export const previewSender = 'Shop <shop@shop.invalid>';

/** Marks a test send in its headers too, for filters that ignore the subject. */
export const testHeader = 'X-Omnijourney-Test';

/**
 * The email as the SMTP adapter would put it on the wire (`channels/email.ts`): the same fields,
 * Message-ID and, on marketing mail with a link, List-Unsubscribe with one-click POST, composed by
 * nodemailer's stream transport into a MIME message (an `.eml` any mail client opens).
 */
export async function emlOf(
  message: MessageOf<'email'>,
  envelope: { from?: string; to: string; unsubscribeUrl?: string; messageKey: string },
): Promise<Buffer> {
  const from = envelope.from ?? previewSender;
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  const info = await transport.sendMail({
    from,
    to: envelope.to,
    subject: message.subject,
    html: message.html,
    text: message.text,
    messageId: messageIdFor(envelope.messageKey, senderDomain(from)),
    ...(envelope.unsubscribeUrl
      ? {
          list: { unsubscribe: { url: envelope.unsubscribeUrl, comment: 'Unsubscribe' } },
          headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click', [testHeader]: 'preview' },
        }
      : { headers: { [testHeader]: 'preview' } }),
  });
  return info.message as Buffer;
}

/** A customer's email preview as the `.eml` it would be, addressed to them (or a stand-in address). */
export function previewEml(
  item: Extract<ChannelPreview, { channel: 'email' }>,
  ids: { templateId: string; customerId: string },
  from: string | undefined,
): Promise<Buffer> {
  return emlOf(item.message, {
    from,
    to: 'email' in item.recipient ? item.recipient.email : 'customer@preview.invalid',
    messageKey: `preview:${ids.templateId}:${ids.customerId}`,
    unsubscribeUrl: item.unsubscribeUrl,
  });
}
