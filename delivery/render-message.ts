import { createUnsubscribeToken } from '../customers/unsubscribe-token.js';
import { deployedTemplate } from '../catalog/template-store.js';
import type { Queryable } from '../db/queryable.js';
import type { Channel, TemplateParts } from '../domain/channels.js';
import type { InputProblem } from '../domain/input-problem.js';
import type { MessageOf } from './channel-adapter.js';
import { channelModules } from './channels/index.js';
import type { CustomerContact } from './customer-contact.js';
import type { DeliveryRequest } from './delivery-request.js';
import { engineFor, templateRoots, type RenderContext } from './liquid.js';

/** The HTML link a marketing email must carry: an anchor whose href is the customer's unsubscribe URL. */
export const unsubscribeLink =
  /<a\s[^>]*href\s*=\s*["']\s*\{\{\s*unsubscribe_url\s*\}\}\s*["'][^>]*>[^<]*\S[^<]*<\/a>/i;

/**
 * A marketing email needs a visible unsubscribe link (CAN-SPAM, Gmail and Yahoo bulk-sender rules):
 * in the HTML an `<a href="{{ unsubscribe_url }}">` with text, in the text part the URL itself.
 */
function unsubscribeProblems(id: string, template: TemplateParts): InputProblem[] {
  const email = template.email;
  if (!email) return [];
  const fix = `marketing email template "${id}" has no visible unsubscribe link: add`;
  const problems: InputProblem[] = [];
  if (!unsubscribeLink.test(email.html))
    problems.push({
      path: `templates.${id}.email.html`,
      message: `${fix} <a href="{{ unsubscribe_url }}">Unsubscribe</a>`,
    });
  if (!/\{\{\s*unsubscribe_url\s*\}\}/.test(email.text))
    problems.push({
      path: `templates.${id}.email.text`,
      message: `${fix} Unsubscribe: {{ unsubscribe_url }}`,
    });
  return problems;
}

/**
 * Checks a template at deploy time: each part parses and uses only known variables, and unless
 * the template is only ever sent as transactional, its email part has a visible unsubscribe link.
 */
export function checkTemplate(
  id: string,
  template: TemplateParts,
  options: { transactionalOnly?: boolean } = {},
): InputProblem[] {
  const problems: InputProblem[] = options.transactionalOnly ? [] : unsubscribeProblems(id, template);
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
  /** Templates never deployed (the built-ins, or a test's): a deployed version comes first. */
  templates: Readonly<Record<string, TemplateParts>>;
  /** Where deployed template versions are read (template_versions); without it only `templates`. */
  db?: Queryable;
  unsubscribe?: { secret: string; baseUrl: string };
  /** SHOP_URL: what links in messages open. Unset (pipelines built by hand): a reserved .invalid name. */
  shop?: { url: string; name: string };
}

/** Marketing email without its unsubscribe link in the rendered HTML: why it may not go out. */
export function missingUnsubscribeLink(
  request: Pick<DeliveryRequest, 'category' | 'template'>,
  message: { channel: Channel; html?: string },
  unsubscribeUrl: string | undefined,
): string | undefined {
  if (request.category !== 'marketing' || message.channel !== 'email' || !unsubscribeUrl) return undefined;
  if (message.html?.includes(unsubscribeUrl)) return undefined;
  return `email: template "${request.template}" rendered no unsubscribe link; a marketing email needs one`;
}

/** A step's message for one customer on one channel, and the unsubscribe link it carries. */
export async function messageFor<C extends Channel>(
  settings: MessageSettings,
  request: DeliveryRequest,
  contact: CustomerContact,
  channel: C,
): Promise<{ message: MessageOf<C>; unsubscribeUrl: string | undefined }> {
  // The version current at send time: a fix deployed while a run waits reaches its next send.
  const deployed = settings.db
    ? await deployedTemplate(settings.db, request.template, { locale: contact.locale })
    : undefined;
  const template = deployed?.parts ?? settings.templates[request.template];
  if (!template) throw new Error(`unknown template ${request.template}`);
  const sender = {
    trigger: request.trigger as unknown as Record<string, unknown>,
    journey: { id: request.journeyId, step: request.stepId },
  };
  return renderFor(settings, template, sender, contact, channel);
}

/**
 * A template already read, rendered for one customer on one channel with their unsubscribe link:
 * a broadcast reads its template once per batch and locale, then renders each customer here.
 */
export async function renderFor<C extends Channel>(
  settings: Pick<MessageSettings, 'unsubscribe' | 'shop'>,
  template: TemplateParts,
  sender: { trigger: Record<string, unknown>; journey: { id: string; step: string } },
  contact: CustomerContact,
  channel: C,
): Promise<{ message: MessageOf<C>; unsubscribeUrl: string | undefined }> {
  const unsubscribeUrl = settings.unsubscribe
    ? `${settings.unsubscribe.baseUrl}/unsubscribe?token=${createUnsubscribeToken(settings.unsubscribe.secret, { customerId: contact.customerId, channel })}`
    : undefined;
  const message = await renderMessage(template, channel, {
    profile: contact.profile,
    trigger: sender.trigger,
    cart: contact.cart,
    journey: sender.journey,
    shop: settings.shop ?? { url: 'https://shop.invalid', name: 'Shop' },
    unsubscribe_url: unsubscribeUrl,
  });
  return { message, unsubscribeUrl };
}
