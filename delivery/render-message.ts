import { createUnsubscribeToken } from '../customers/unsubscribe-token.js';
import type { Channel, TemplateParts } from '../domain/channels.js';
import type { InputProblem } from '../domain/input-problem.js';
import type { MessageOf } from './channel-adapter.js';
import { channelModules } from './channels/index.js';
import type { CustomerContact } from './customer-contact.js';
import type { DeliveryRequest } from './delivery-request.js';
import { engineFor, templateRoots, type RenderContext } from './liquid.js';

/** Checks a template at deploy time: each part parses and uses only known variables. */
export function checkTemplate(id: string, template: TemplateParts): InputProblem[] {
  const problems: InputProblem[] = [];
  for (const [channel, parts] of Object.entries(template)) {
    for (const [field, text] of Object.entries<string>(parts ?? {})) {
      const path = `templates.${id}.${channel}.${field}`;
      try {
        for (const root of engineFor(field).globalVariablesSync(text)) {
          if (!(templateRoots as readonly string[]).includes(root)) {
            problems.push({ path, message: `unknown variable "${root}" (use ${templateRoots.join(', ')})` });
          }
        }
      } catch (error) {
        problems.push({ path, message: `does not parse: ${(error as Error).message.split('\n')[0]}` });
      }
    }
  }
  return problems;
}

/** The template's part for the channel, rendered by the channel's module. */
export async function renderMessage<C extends Channel>(
  template: TemplateParts,
  channel: C,
  context: RenderContext,
): Promise<MessageOf<C>> {
  const parts = template[channel];
  if (!parts) throw new Error(`the template has no ${channel} part`);
  return channelModules[channel].render(parts, context);
}

export interface MessageSettings {
  templates: Readonly<Record<string, TemplateParts>>;
  unsubscribe?: { secret: string; baseUrl: string };
  shop?: { url: string; name: string };
}

/** A step's message for one customer on one channel, and the unsubscribe link it carries. */
export async function messageFor<C extends Channel>(
  settings: MessageSettings,
  request: DeliveryRequest,
  contact: CustomerContact,
  channel: C,
): Promise<{ message: MessageOf<C>; unsubscribeUrl: string | undefined }> {
  const template = settings.templates[request.template];
  if (!template) throw new Error(`unknown template ${request.template}`);
  const unsubscribeUrl = settings.unsubscribe
    ? `${settings.unsubscribe.baseUrl}/unsubscribe?token=${createUnsubscribeToken(settings.unsubscribe.secret, { customerId: contact.customerId, channel })}`
    : undefined;
  const message = await renderMessage(template, channel, {
    profile: contact.profile,
    trigger: request.trigger as unknown as Record<string, unknown>,
    cart: contact.cart,
    journey: { id: request.journeyId, step: request.stepId },
    shop: settings.shop ?? { url: 'http://127.0.0.1', name: 'Shop' },
    unsubscribe_url: unsubscribeUrl,
  });
  return { message, unsubscribeUrl };
}
