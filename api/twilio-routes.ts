import type { FastifyInstance, FastifyRequest } from 'fastify';
import twilio from 'twilio';
import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { deliveries, identities } from '../db/schema.js';
import { resolveCustomer } from '../customers/resolve-customer.js';
import { setConsent, withdrawConsent } from '../customers/set-consent.js';
import { normalisePhone } from '../domain/identity-keys.js';
import { classifySmsKeyword } from '../domain/sms-keywords.js';
import { HttpError } from './http-errors.js';

export interface TwilioRouteDeps {
  db: Database;
  authToken?: string;
  /** The URL Twilio calls, without the path: Twilio signs the full URL it used. */
  publicBaseUrl: () => string;
}

/** Twilio error codes meaning the number cannot receive SMS (invalid, landline, unknown, unreachable). */
const unreachableCodes = new Set(['21211', '21612', '21614', '30003', '30005', '30006']);
const optedOutCode = '21610';

const deliveryStatus: Record<string, 'sent' | 'delivered' | 'failed'> = {
  sent: 'sent',
  delivered: 'delivered',
  undelivered: 'failed',
  failed: 'failed',
};

const emptyTwiml = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

/**
 * Twilio's inbound-message and status-callback webhooks, both verified with X-Twilio-Signature
 * over the public URL and the form parameters (403 when it does not match, nothing changed).
 */
export function registerTwilioRoutes(app: FastifyInstance, deps: TwilioRouteDeps) {
  const verify = (request: FastifyRequest): Record<string, string> => {
    if (!deps.authToken) throw new HttpError(404, 'SMS is not configured: set TWILIO_AUTH_TOKEN');
    const params = (request.body ?? {}) as Record<string, string>;
    const signature = request.headers['x-twilio-signature'];
    const url = `${deps.publicBaseUrl()}${request.url}`;
    if (typeof signature !== 'string' || !twilio.validateRequest(deps.authToken, signature, url, params)) {
      throw new HttpError(403, 'invalid X-Twilio-Signature');
    }
    return params;
  };

  app.post('/webhooks/twilio/inbound', async (request, reply) => {
    const params = verify(request);
    const phone = normalisePhone(params.From);
    const keyword = classifySmsKeyword(params.Body ?? '', params.OptOutType);
    if (phone && (keyword === 'opt-out' || keyword === 'opt-in')) {
      await deps.db.transaction(async (tx) => {
        // STOP from a number we have never seen still counts: it creates the customer to record it.
        const { customerId } = await resolveCustomer(tx, {
          keys: [{ kind: 'phone', value: phone }],
          mode: 'resolve',
        });
        // The customer's own decision: it outranks any identify, whatever that identify's date.
        const decision = {
          customerId,
          channel: 'sms',
          source: `sms-keyword:${String(params.Body ?? '')
            .trim()
            .toUpperCase()
            .slice(0, 20)}`,
          at: new Date(),
        } as const;
        if (keyword === 'opt-out') await withdrawConsent(tx, decision);
        else await setConsent(tx, { ...decision, status: 'subscribed' });
      });
    }
    return reply.type('text/xml').send(emptyTwiml);
  });

  app.post('/webhooks/twilio/status', async (request, reply) => {
    const params = verify(request);
    const sid = params.MessageSid ?? params.SmsSid;
    const status = deliveryStatus[String(params.MessageStatus ?? params.SmsStatus)];
    const errorCode = params.ErrorCode ? String(params.ErrorCode) : undefined;
    if (sid && status) {
      await deps.db.transaction(async (tx) => {
        const [delivery] = await tx
          .update(deliveries)
          .set({ status, reason: errorCode ? `twilio error ${errorCode}` : null })
          .where(and(eq(deliveries.providerMessageId, sid), eq(deliveries.channel, 'sms')))
          .returning({ customerId: deliveries.customerId });
        const phone = normalisePhone(params.To);
        if (!delivery || !errorCode || !phone) return;
        if (errorCode === optedOutCode) {
          await setConsent(tx, {
            customerId: delivery.customerId,
            channel: 'sms',
            status: 'unsubscribed',
            source: 'twilio:21610',
            at: new Date(),
          });
        } else if (unreachableCodes.has(errorCode)) {
          await tx
            .update(identities)
            .set({ unreachableAt: new Date(), unreachableReason: `twilio error ${errorCode}` })
            .where(and(eq(identities.kind, 'phone'), eq(identities.value, phone)));
        }
      });
    }
    return reply.code(200).type('text/plain').send('');
  });
}
