import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { loadCustomerContact } from '../../delivery/customer-contact.js';
import { renderMessage } from '../../delivery/render-message.js';
import { channels } from '../../domain/channels.js';
import { templates } from '../../journeys/templates.js';
import { HttpError } from '../http-errors.js';
import { access, errorResponses, json, operation } from '../openapi-schemas.js';
import type { AdminDependencies } from './admin-deps.js';
import { customerIdOf, parsed } from './admin-input.js';

const templateParams = z.object({ templateId: z.string().min(1).max(200) });
const previewBody = z.object({
  channel: z.enum(channels),
  customer: z
    .string()
    .max(512)
    .optional()
    .meta({ description: 'Render with this customer’s profile and cart (`email:…`, `userId:…`, or an id).' }),
  profile: z.record(z.string(), z.unknown()).optional().meta({ description: 'Or a profile to render with.' }),
  cart: z.unknown().optional(),
  trigger: z
    .record(z.string(), z.unknown())
    .optional()
    .meta({ description: 'The triggering event, `{ name, properties }`.' }),
});

const templateReply = z.object({
  id: z.string(),
  channels: z.record(z.string(), z.array(z.string())).meta({ description: 'Each channel and its parts.' }),
});

const docs = {
  list: {
    ...operation('admin', 'The message templates journeys may name, with their channels', access.admin),
    response: {
      200: { description: 'Templates.', ...json(z.object({ templates: z.array(templateReply) })) },
      ...errorResponses(401),
    },
  },
  preview: {
    ...operation('admin', 'Render a template on one channel, for a customer or given data', access.admin),
    params: templateParams,
    body: previewBody,
    response: {
      200: {
        description: 'The rendered message, as the channel’s adapter would get it.',
        ...json(z.object({ message: z.record(z.string(), z.unknown()) })),
      },
      ...errorResponses(400, 401, 404, 503),
    },
  },
};

/** Templates: list and preview (render without sending). */
export function templateRoutes(admin: FastifyInstance, deps: AdminDependencies) {
  admin.get('/admin/templates', { schema: docs.list }, async () => ({
    templates: Object.entries(templates).map(([id, parts]) => ({
      id,
      channels: Object.fromEntries(
        Object.entries(parts).map(([channel, fields]) => [channel, Object.keys(fields ?? {})]),
      ),
    })),
  }));

  admin.post<{ Params: { templateId: string } }>(
    '/admin/templates/:templateId/preview',
    { schema: docs.preview },
    async (request) => {
      const body = parsed(previewBody, request.body, 'body');
      const template = templates[request.params.templateId];
      if (!template)
        throw new HttpError(
          404,
          `no template ${request.params.templateId} (GET /admin/templates lists them)`,
        );
      if (!template[body.channel])
        throw new HttpError(
          400,
          `channel: template ${request.params.templateId} has no ${body.channel} part`,
          [{ path: 'channel', message: `expected one of ${Object.keys(template).join(', ')}` }],
        );
      const contact = body.customer
        ? await loadCustomerContact(
            deps.db,
            await customerIdOf(deps.db, body.customer, deps.defaultPhoneCountry),
          )
        : undefined;
      let message: Record<string, unknown>;
      try {
        message = (await renderMessage(template, body.channel, {
          profile: contact?.profile ?? { traits: {}, ...body.profile },
          cart: contact?.cart ?? body.cart ?? null,
          trigger: body.trigger ?? {},
          journey: { id: 'preview', step: 'preview' },
          shop: { url: 'https://shop.invalid', name: 'Shop' },
          unsubscribe_url: 'https://shop.invalid/unsubscribe?token=preview',
        })) as unknown as Record<string, unknown>;
      } catch (error) {
        throw new HttpError(400, `the template did not render: ${(error as Error).message.split('\n')[0]}`);
      }
      return { message };
    },
  );
}
