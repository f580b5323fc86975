import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { HttpError } from './http-errors.js';
import { access, errorResponses, ofType, operation } from './openapi-schemas.js';
import type { Database } from '../db/client.js';
import { canonicalCustomerId } from '../customers/resolve-customer.js';
import { withdrawConsent } from '../customers/set-consent.js';
import { verifyUnsubscribeToken } from '../customers/unsubscribe-token.js';

const page = (reply: FastifyReply, status: number, title: string, body: string) =>
  reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
        `<title>${title}</title></head><body style="font-family:system-ui;max-width:32rem;margin:3rem auto">` +
        `<h1>${title}</h1>${body}</body></html>`,
    );

const htmlPage = (description: string) => ofType('text/html', description);
const unsubscribeDocs = {
  confirm: {
    ...operation(
      'compliance',
      'The unsubscribe link: a confirmation page (changes nothing)',
      access.unsubscribeLink,
    ),
    response: {
      200: htmlPage('A page with an Unsubscribe button.'),
      403: htmlPage('The link is not valid.'),
    },
  },
  oneClick: {
    ...operation(
      'compliance',
      'One-click unsubscribe (RFC 8058): withdraws consent to the channel',
      access.unsubscribeLink,
    ),
    consumes: ['application/x-www-form-urlencoded', 'multipart/form-data'],
    body: z.object({ 'List-Unsubscribe': z.literal('One-Click') }),
    response: {
      200: htmlPage('Unsubscribed.'),
      403: htmlPage('The link is not valid; nothing was changed.'),
      ...errorResponses(503),
    },
  },
};

/** A one-click body is one short field; anything larger is not a mail client's POST. */
const multipartBodyLimit = 64 * 1024;

/**
 * RFC 8058 lets the mail client send its POST as multipart/form-data too. The body is parsed by
 * Node's own Fetch implementation (undici's `Response.formData()`), not by hand; form-urlencoded
 * bodies are read by `request-body.ts`.
 */
function acceptMultipartForms(app: FastifyInstance): void {
  app.addContentTypeParser(
    'multipart/form-data',
    { parseAs: 'buffer', bodyLimit: multipartBodyLimit },
    (request, raw: Buffer, done) => {
      const type = String(request.headers['content-type']);
      new Response(raw, { headers: { 'content-type': type } }).formData().then(
        (form) => {
          const fields: Record<string, string> = {};
          for (const [name, value] of form) if (typeof value === 'string') fields[name] = value;
          done(null, fields);
        },
        (error: Error) => done(new HttpError(400, `the multipart body does not parse: ${error.message}`)),
      );
    },
  );
}

/**
 * RFC 8058 one-click unsubscribe: mail clients POST `List-Unsubscribe=One-Click` to the link.
 * GET only shows a confirmation page (link scanners prefetch URLs; they must not unsubscribe).
 */
export function registerUnsubscribeRoutes(app: FastifyInstance, deps: { db: Database; secret: string }) {
  acceptMultipartForms(app);
  const claimOf = (query: unknown) => {
    const token = (query as { token?: unknown }).token;
    return typeof token === 'string' ? verifyUnsubscribeToken(deps.secret, token) : undefined;
  };

  app.get('/unsubscribe', { schema: unsubscribeDocs.confirm }, async (request, reply) => {
    const claim = claimOf(request.query);
    if (!claim)
      return page(
        reply,
        403,
        'This link is not valid',
        '<p>It may have been changed or copied incompletely.</p>',
      );
    return page(
      reply,
      200,
      `Unsubscribe from ${claim.channel} messages?`,
      `<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">` +
        `<button type="submit">Unsubscribe</button></form>`,
    );
  });

  app.post('/unsubscribe', { schema: unsubscribeDocs.oneClick }, async (request, reply) => {
    const claim = claimOf(request.query);
    if (!claim) return page(reply, 403, 'This link is not valid', '<p>Nothing was changed.</p>');
    const customerId = await canonicalCustomerId(deps.db, claim.customerId);
    if (customerId) {
      // The customer's own decision: it outranks any identify, whatever that identify's date.
      await withdrawConsent(deps.db, {
        customerId,
        channel: claim.channel,
        source: 'one-click',
        at: new Date(),
      });
    }
    return page(
      reply,
      200,
      'You are unsubscribed',
      `<p>You will get no more ${claim.channel} messages from us.</p>`,
    );
  });
}
