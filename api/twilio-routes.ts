import type { FastifyInstance, FastifyRequest } from 'fastify';
import twilio from 'twilio';
import { z } from 'zod';
import { and, eq, lt, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import type { Queryable } from '../db/queryable.js';
import { deliveries, identities, twilioInboundMessages } from '../db/schema.js';
import { resolveCustomer } from '../customers/resolve-customer.js';
import { setConsent, withdrawConsent } from '../customers/set-consent.js';
import { normalisePhone } from '../domain/identity-keys.js';
import { classifySmsKeyword } from '../domain/sms-keywords.js';
import { HttpError } from './http-errors.js';
import { access, errorResponses, ofType, operation } from './openapi-schemas.js';

export interface TwilioRouteDeps {
  db: Database;
  authToken?: string;
  /** The URL Twilio calls, without the path: Twilio signs the full URL it used. */
  publicBaseUrl: () => string;
  /** False when PUBLIC_BASE_URL is unset and the listening address stands in for it. */
  publicBaseUrlConfigured?: boolean;
  /** Warnings: SMS set up without a public URL, and signatures refused because of it. */
  warn?: (message: string) => void;
}

/**
 * How long an inbound MessageSid is remembered. Twilio's signature carries no timestamp, so a
 * captured request stays valid; within this window a replay changes nothing, and older rows are
 * pruned so that the table stays bounded.
 */
export const inboundRetentionDays = 90;

/** True the first time a MessageSid is seen within the retention; a replay answers false. */
async function firstSeen(tx: Queryable, messageSid: string): Promise<boolean> {
  await tx
    .delete(twilioInboundMessages)
    .where(lt(twilioInboundMessages.receivedAt, sql`now() - make_interval(days => ${inboundRetentionDays})`));
  const inserted = await tx
    .insert(twilioInboundMessages)
    .values({ messageSid })
    .onConflictDoNothing()
    .returning({ messageSid: twilioInboundMessages.messageSid });
  return inserted.length > 0;
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

/** The form fields Twilio posts that these webhooks read (it sends more; they are ignored). */
const twilioForm = z.looseObject({
  MessageSid: z.string().optional(),
  SmsSid: z.string().optional(),
  From: z.string().optional().meta({ description: 'The sender (inbound).' }),
  To: z.string().optional().meta({ description: 'The recipient (status callback).' }),
  Body: z.string().optional().meta({ description: 'The text: STOP, START, HELP… change SMS consent.' }),
  OptOutType: z.string().optional(),
  MessageStatus: z.string().optional(),
  SmsStatus: z.string().optional(),
  ErrorCode: z.string().optional(),
});
const twilioDocs = (summary: string, reply: ReturnType<typeof ofType>) => ({
  ...operation('providers', summary, access.twilio),
  consumes: ['application/x-www-form-urlencoded'],
  body: twilioForm,
  response: { 200: reply, ...errorResponses(403, 404, 503) },
});
const inboundDocs = twilioDocs(
  'Twilio inbound SMS: STOP/START keywords set SMS consent, once per MessageSid',
  ofType('text/xml', 'An empty TwiML response (no auto-reply).'),
);
const statusDocs = twilioDocs(
  'Twilio status callback: delivery status; opted-out and unreachable numbers are recorded',
  ofType('text/plain', 'Taken (empty body).'),
);

const emptyTwiml = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

/** An SMS keyword's consent decision (STOP, START…), once per MessageSid. */
async function recordKeyword(db: Database, params: Record<string, string>): Promise<void> {
  const phone = normalisePhone(params.From);
  const keyword = classifySmsKeyword(params.Body ?? '', params.OptOutType);
  const messageSid = params.MessageSid ?? params.SmsSid;
  // An opt-in must name the message it came from, so that it cannot be replayed; an opt-out is
  // honoured even without one.
  const acts = keyword === 'opt-out' || (keyword === 'opt-in' && Boolean(messageSid));
  if (phone && acts) {
    await db.transaction(async (tx) => {
      // A replayed webhook (the same MessageSid) changes nothing: a captured START cannot undo a STOP.
      if (messageSid && !(await firstSeen(tx, messageSid))) return;
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
}

/**
 * Twilio's inbound-message and status-callback webhooks, both verified with X-Twilio-Signature
 * over the public URL and the form parameters (403 when it does not match, nothing changed).
 */
export function registerTwilioRoutes(app: FastifyInstance, deps: TwilioRouteDeps) {
  const unconfigured = deps.publicBaseUrlConfigured === false;
  const hint = 'set PUBLIC_BASE_URL to the URL Twilio calls (behind a proxy, the public one)';
  if (deps.authToken && unconfigured)
    deps.warn?.(
      `SMS webhooks: PUBLIC_BASE_URL is not set, so Twilio signatures are checked against this server's own address; ${hint}`,
    );
  const verify = (request: FastifyRequest): Record<string, string> => {
    if (!deps.authToken) throw new HttpError(404, 'SMS is not configured: set TWILIO_AUTH_TOKEN');
    const params = (request.body ?? {}) as Record<string, string>;
    const signature = request.headers['x-twilio-signature'];
    const url = `${deps.publicBaseUrl()}${request.url}`;
    if (typeof signature !== 'string' || !twilio.validateRequest(deps.authToken, signature, url, params)) {
      if (!unconfigured) throw new HttpError(403, 'invalid X-Twilio-Signature');
      deps.warn?.(`Twilio signature refused for ${url}: PUBLIC_BASE_URL is not set; ${hint}`);
      throw new HttpError(403, `invalid X-Twilio-Signature for ${url}: PUBLIC_BASE_URL is not set; ${hint}`);
    }
    return params;
  };

  app.post('/webhooks/twilio/inbound', { schema: inboundDocs }, async (request, reply) => {
    const params = verify(request);
    await recordKeyword(deps.db, params);
    return reply.type('text/xml').send(emptyTwiml);
  });

  app.post('/webhooks/twilio/status', { schema: statusDocs }, async (request, reply) => {
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
