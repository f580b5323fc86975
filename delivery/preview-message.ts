import { z } from 'zod';
import type { Queryable } from '../db/queryable.js';
import { loadProfileSnapshot } from '../customers/profile-snapshot.js';
import type { Channel, TemplateParts } from '../domain/channels.js';
import type { RunEvent } from '../domain/journey-runtime.js';
import { plainError } from '../domain/plain-error.js';
import { templateForSend } from '../catalog/template-store.js';
import type { MessageOf } from './channel-adapter.js';
import type { RecipientOf } from './channels/index.js';
import { loadCustomerContact, recipientOn, type CustomerContact } from './customer-contact.js';
import type { DeliveryRequest } from './delivery-request.js';
import { messageFor, type MessageSettings } from './render-message.js';

/**
 * Where preview and test-send read a template: by id, for a locale (a customer's, or `--locale`).
 * The versioned store, as a send reads it: the deployed version current now, else the built-in
 * folder, in the locale's variant (fallback: language, then default).
 */
export type FindTemplate = (id: string, locale?: string) => Promise<TemplateParts | undefined>;
export function templateSource(db: Queryable): FindTemplate {
  return async (id, locale) => (await templateForSend(db, id, { locale }))?.parts;
}

/** What a preview or test send needs beyond the database: the pipeline's settings and the template source. */
export interface PreviewSettings extends Omit<MessageSettings, 'templates'> {
  findTemplate?: FindTemplate;
}

/** A mistake in what was asked (unknown template or customer, a channel the template lacks, bad event). */
export class PreviewRefusal extends Error {
  override readonly name = 'PreviewRefusal';
  constructor(
    /** not-found: exit 2 / 404; invalid: exit 2 / 400; unavailable (no adapter): exit 1 / 503. */
    readonly kind: 'not-found' | 'invalid' | 'unavailable',
    message: string,
  ) {
    super(message);
  }
}

/** The trigger event as given (`--event`, the API's `event`): a name and properties, both optional. */
export const eventInput = z.object({
  name: z.string().min(1).max(200).default('Preview'),
  properties: z.record(z.string(), z.unknown()).default({}),
  occurredAt: z.iso.datetime({ offset: true }).optional(),
});
export type EventInput = z.input<typeof eventInput>;

/** `--event` text: JSON of `{ name, properties }`; a mistake names what is wrong and where. */
export function parseEventJson(text: string): EventInput {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PreviewRefusal('invalid', `--event is not JSON: ${(error as Error).message}`);
  }
  return checkedEvent(value, '--event');
}

function checkedEvent(value: unknown, where: string): EventInput {
  const result = eventInput.safeParse(value, { error: plainError });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const at = issue && issue.path.length > 0 ? `${where}.${issue.path.join('.')}` : where;
  throw new PreviewRefusal('invalid', `${at}: ${issue?.message ?? 'is invalid'}`);
}

/** Without an event: a sample trigger (no properties), dated now. */
export function triggerOf(event: EventInput | undefined, now = new Date()): RunEvent {
  const parsed = eventInput.parse(event ?? {});
  return {
    messageId: 'preview',
    name: parsed.name,
    properties: parsed.properties,
    occurredAt: parsed.occurredAt ?? now.toISOString(),
  };
}

/** The template, or a refusal naming it; with a channel, one it has. */
export async function requireTemplate(
  db: Queryable,
  settings: PreviewSettings,
  id: string,
  locale: string | undefined,
  channel?: Channel,
): Promise<TemplateParts> {
  const template = await (settings.findTemplate ?? templateSource(db))(id, locale);
  if (!template) throw new PreviewRefusal('not-found', `no template ${id}`);
  if (channel && !template[channel])
    throw new PreviewRefusal(
      'invalid',
      `template ${id} has no ${channel} part (it has ${Object.keys(template).join(', ')})`,
    );
  return template;
}

/** The delivery pipeline's rendering (`messageFor`); a template that fails is a refusal naming it. */
export async function renderFor<C extends Channel>(
  settings: MessageSettings,
  request: DeliveryRequest,
  contact: CustomerContact,
  channel: C,
): Promise<{ message: MessageOf<C>; unsubscribeUrl: string | undefined }> {
  try {
    return await messageFor(settings, request, contact, channel);
  } catch (error) {
    const first = (error as Error).message.split('\n')[0] ?? '';
    throw new PreviewRefusal('invalid', `template ${request.template} (${channel}) did not render: ${first}`);
  }
}

/** A send step's request for a preview or test: journey "preview", step "preview". */
export function previewRequest(
  templateId: string,
  customerId: string,
  channels: Channel[],
  trigger: RunEvent,
): DeliveryRequest {
  return {
    template: templateId,
    channels,
    category: 'marketing',
    intentKey: `preview:${templateId}`,
    tags: [],
    overCap: 'skip',
    quietHours: 'defer',
    dedupKey: `preview:${templateId}:${customerId}`,
    customerId,
    journeyId: 'preview',
    journeyVersion: 'preview',
    workflowId: 'preview',
    runId: 'preview',
    stepId: 'preview',
    trigger,
  };
}

export interface PreviewInput {
  templateId: string;
  /** The canonical customer id (`cli/customer-reference.ts` or the admin API resolves the identity). */
  customerId: string;
  channel?: Channel;
  /** Default: the customer's profile locale. */
  locale?: string;
  event?: EventInput;
}

export type ChannelPreview = {
  [C in Channel]: {
    channel: C;
    message: MessageOf<C>;
    unsubscribeUrl: string | undefined;
    /** Where a send would go, or why it would not (consent, no address). */
    recipient: RecipientOf<C> | { refused: string };
  };
}[Channel];

export interface Preview {
  templateId: string;
  customerId: string;
  locale: string | undefined;
  trigger: RunEvent;
  previews: ChannelPreview[];
}

/**
 * What the customer would receive from the template, on each of its channels (or one): the delivery
 * pipeline's own rendering (`messageFor`) with the profile and cart from the database, the trigger
 * event, the journey context and the customer's signed unsubscribe link.
 */
export async function previewMessages(
  db: Queryable,
  settings: PreviewSettings,
  input: PreviewInput,
): Promise<Preview> {
  const [contact, snapshot] = await Promise.all([
    loadCustomerContact(db, input.customerId),
    loadProfileSnapshot(db, input.customerId),
  ]);
  if (!contact) throw new PreviewRefusal('not-found', `no customer ${input.customerId}`);
  const locale = input.locale ?? snapshot?.locale ?? undefined;
  const template = await requireTemplate(db, settings, input.templateId, locale, input.channel);
  const channels = input.channel ? [input.channel] : (Object.keys(template) as Channel[]);
  const trigger = triggerOf(checkedEvent(input.event ?? {}, 'event'));
  const request = previewRequest(input.templateId, contact.customerId, channels, trigger);
  const messageSettings = { ...settings, templates: { [input.templateId]: template } };
  const previews: ChannelPreview[] = [];
  for (const channel of channels) {
    const rendered = await renderFor(messageSettings, request, contact, channel);
    const recipient = recipientOn(contact, channel);
    previews.push({
      channel,
      message: rendered.message,
      unsubscribeUrl: rendered.unsubscribeUrl,
      recipient: typeof recipient === 'string' ? { refused: recipient } : recipient,
    } as ChannelPreview);
  }
  return { templateId: input.templateId, customerId: contact.customerId, locale, trigger, previews };
}
