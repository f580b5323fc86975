import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { previewEml } from '../../delivery/preview-email.js';
import {
  PreviewRefusal,
  previewMessages,
  requireTemplate,
  type ChannelPreview,
  type PreviewSettings,
} from '../../delivery/preview-message.js';
import { renderMessage } from '../../delivery/render-message.js';
import { testChannels, testSend } from '../../delivery/test-send.js';
import { channels, channelTable, type TemplateParts } from '../../domain/channels.js';
import { listTemplates } from '../../catalog/template-store.js';
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
    .meta({ description: 'The triggering event, `{ name, properties }`; default: a sample.' }),
  locale: z.string().min(1).max(35).optional().meta({ description: 'Default: the customer’s.' }),
});

const testSendBody = z.object({
  to: z.string().min(3).max(320).meta({ description: 'An email address or a phone number (+33…).' }),
  channel: z.enum(testChannels).optional().meta({ description: 'Default: the first the template has.' }),
  customer: previewBody.shape.customer,
  trigger: previewBody.shape.trigger,
  locale: previewBody.shape.locale,
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
        ...json(
          z.object({
            message: z.record(z.string(), z.unknown()),
            unsubscribeUrl: z.string().optional().meta({ description: 'The customer’s signed link.' }),
            recipient: z
              .record(z.string(), z.unknown())
              .optional()
              .meta({ description: 'Where a send would go now, or `{ refused: reason }`.' }),
            eml: z.string().optional().meta({ description: 'Email: the MIME message (.eml).' }),
          }),
        ),
      },
      ...errorResponses(400, 401, 404, 503),
    },
  },
  testSend: {
    ...operation(
      'admin',
      'Send a template to an address, marked [TEST]; not in the ledger, caps or stats',
      access.admin,
    ),
    params: templateParams,
    body: testSendBody,
    response: {
      200: {
        description: 'Sent: the provider’s message id and the message as sent.',
        ...json(
          z.object({
            channel: z.enum(testChannels),
            to: z.string(),
            providerMessageId: z.string(),
            message: z.record(z.string(), z.unknown()),
          }),
        ),
      },
      ...errorResponses(400, 401, 404, 503),
    },
  },
};

/** A preview or test-send refusal as HTTP: unknown things and unconfigured adapters 404, the rest 400. */
function httpOf(error: unknown): unknown {
  if (!(error instanceof PreviewRefusal)) return error;
  return new HttpError(error.kind === 'invalid' ? 400 : 404, error.message);
}

/** A customer's preview on one channel, with the email's MIME text. */
async function replyOf(item: ChannelPreview, ids: { templateId: string; customerId: string }, from?: string) {
  const eml = item.channel === 'email' ? await previewEml(item, ids, from) : undefined;
  return { ...item, eml: eml?.toString('utf8') };
}

/** Templates: list and preview (render without sending). */
export function templateRoutes(admin: FastifyInstance, deps: AdminDependencies) {
  // Deployed versions and built-in folders alike, each at its current version (one query).
  admin.get('/admin/templates', { schema: docs.list }, async () => ({
    templates: (await listTemplates(deps.db)).map((t) => ({
      id: t.id,
      // Each channel's parts in the channel table's order, whatever order the files gave.
      channels: Object.fromEntries(
        channels
          .filter((channel) => t.channels.includes(channel))
          .map((channel) => [channel, [...channelTable[channel].parts]]),
      ),
    })),
  }));

  admin.post<{ Params: { templateId: string } }>(
    '/admin/templates/:templateId/preview',
    { schema: docs.preview },
    async (request) => {
      const body = parsed(previewBody, request.body, 'body');
      const { templateId } = request.params;
      const settings = deps.messages?.() ?? {};
      // Checked first: a template that is not there is a 404 whoever it is rendered for.
      const template = await requireTemplate(deps.db, settings, templateId, body.locale, body.channel).catch(
        (error: unknown) => {
          throw httpOf(error);
        },
      );
      if (!body.customer) return { message: await renderGiven(template, settings, body) };
      const customerId = await customerIdOf(deps.db, body.customer, deps.defaultPhoneCountry);
      const preview = await previewMessages(deps.db, settings, {
        templateId,
        customerId,
        channel: body.channel,
        locale: body.locale,
        event: body.trigger,
      }).catch((error: unknown) => {
        throw httpOf(error);
      });
      const [item] = preview.previews;
      if (!item) throw new HttpError(400, `channel: template ${templateId} has no ${body.channel} part`);
      return replyOf(item, preview, deps.messages?.().adapterSettings.config.channels.email?.from);
    },
  );

  admin.post<{ Params: { templateId: string } }>(
    '/admin/templates/:templateId/test-send',
    { schema: docs.testSend },
    async (request) => {
      const body = parsed(testSendBody, request.body, 'body');
      const customerId = body.customer
        ? await customerIdOf(deps.db, body.customer, deps.defaultPhoneCountry)
        : undefined;
      if (!deps.messages) throw new HttpError(404, 'test sends are not configured on this API server');
      return testSend(deps.db, deps.messages(), {
        templateId: request.params.templateId,
        to: body.to,
        channel: body.channel,
        customerId,
        locale: body.locale,
        event: body.trigger,
      }).catch((error: unknown) => {
        throw httpOf(error);
      });
    },
  );
}

/** A render with data given in the request instead of a customer's (no unsubscribe link of anyone's). */
async function renderGiven(
  template: TemplateParts,
  settings: PreviewSettings,
  body: z.output<typeof previewBody>,
): Promise<Record<string, unknown>> {
  try {
    return (await renderMessage(template, body.channel, {
      profile: { traits: {}, ...body.profile },
      cart: body.cart ?? null,
      trigger: body.trigger ?? {},
      journey: { id: 'preview', step: 'preview' },
      shop: settings.shop ?? { url: 'https://shop.invalid', name: 'Shop' },
      unsubscribe_url: 'https://shop.invalid/unsubscribe?token=preview',
    })) as unknown as Record<string, unknown>;
  } catch (error) {
    throw new HttpError(400, `the template did not render: ${(error as Error).message.split('\n')[0]}`);
  }
}
