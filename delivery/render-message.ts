import { Liquid } from 'liquidjs';
import type { Channel } from '../domain/channels.js';
import type { InputProblem } from '../domain/input-problem.js';
import type { TemplateParts } from '../journeys/templates.js';

/** What a channel adapter sends: the template's part for that channel, rendered. */
export type RenderedMessage =
  | { channel: 'email'; subject: string; html: string; text: string }
  | { channel: 'sms'; text: string }
  | { channel: 'push'; title: string; body: string; url: string }
  | { channel: 'webhook'; body: string };

/** The variables a template may use; anything else is refused when templates are checked. */
export const templateRoots = ['profile', 'trigger', 'cart', 'journey', 'shop', 'unsubscribe_url'] as const;

export interface RenderContext {
  profile: Record<string, unknown>;
  trigger: Record<string, unknown>;
  cart: unknown;
  journey: { id: string; name?: string; step: string };
  shop: { url: string; name: string };
  unsubscribe_url?: string;
}

/** GSM-7 single messages hold 160 characters; longer texts are sent as several billed parts. */
export const smsMaxLength = 480;

/** Output-escaped for HTML bodies only; SMS, push and subjects are plain text. */
const htmlEngine = new Liquid({ outputEscape: 'escape', strictFilters: true, cache: 200 });
const textEngine = new Liquid({ strictFilters: true, cache: 200 });

function partsOf(template: TemplateParts, channel: Channel): Record<string, string> | undefined {
  return template[channel] as Record<string, string> | undefined;
}

/** Checks a template at deploy time: each part parses and uses only known variables. */
export function checkTemplate(id: string, template: TemplateParts): InputProblem[] {
  const problems: InputProblem[] = [];
  for (const [channel, parts] of Object.entries(template)) {
    for (const [field, text] of Object.entries(parts as Record<string, string>)) {
      const path = `templates.${id}.${channel}.${field}`;
      try {
        const engine = field === 'html' ? htmlEngine : textEngine;
        for (const root of engine.globalVariablesSync(text)) {
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

/** Channels a template has parts for. */
export function templateChannels(template: TemplateParts): Channel[] {
  return Object.keys(template) as Channel[];
}

/** One line: CR/LF and other control characters would let a name or subject inject headers. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const oneLine = (text: string) => text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const plain = (text: string) => text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');

/**
 * Push and SMS are text: markup that a value brought in (a name such as `<script>…`) is removed,
 * since some phones render a notification's HTML. Escaped entities stay as typed.
 */
const textOnly = (text: string) => text.replace(/<\/?[a-zA-Z!][^<>]*>/g, '').replace(/[<>]/g, '');
/** A push opens this URL on tap: only http(s), else the shop's own URL. */
const safeUrl = (url: string, fallback: string) => (/^https?:\/\/[^\s]+$/i.test(url) ? url : fallback);

export async function renderMessage(
  template: TemplateParts,
  channel: Channel,
  context: RenderContext,
): Promise<RenderedMessage> {
  const parts = partsOf(template, channel);
  if (!parts) throw new Error(`the template has no ${channel} part`);
  const scope = context as unknown as Record<string, unknown>;
  const text = async (field: string) =>
    textEngine.parseAndRender(parts[field] ?? '', scope) as Promise<string>;
  switch (channel) {
    case 'email':
      return {
        channel,
        subject: oneLine(await text('subject')),
        html: (await htmlEngine.parseAndRender(parts.html ?? '', scope)) as string,
        text: plain(await text('text')),
      };
    case 'sms': {
      const body = textOnly(plain(await text('text')));
      return { channel, text: body.length > smsMaxLength ? `${body.slice(0, smsMaxLength - 1)}…` : body };
    }
    case 'push':
      return {
        channel,
        title: textOnly(oneLine(await text('title'))),
        body: textOnly(oneLine(await text('body'))),
        url: safeUrl(oneLine(await text('url')), context.shop.url),
      };
    case 'webhook':
      return { channel, body: await text('body') };
  }
}
