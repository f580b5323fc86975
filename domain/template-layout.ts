import type { Channel } from './channels.js';
import { didYouMeanSuffix } from './did-you-mean.js';

/**
 * The files of one template folder (`journeys/templates/<id>/`). Each names its channel, its
 * part and optionally a locale between the two dots: `email.fr.mjml`, `sms.de-CH.txt`.
 *
 * - `template.yaml`: settings (`subject`, `category`); optional
 * - `subject.liquid`: the email subject (instead of `subject:` in template.yaml)
 * - `email.mjml` or `email.html`: the email body; `email.txt`: its plain text (generated when absent)
 * - `sms.txt`: the SMS text
 * - `push.yaml`: `title`, `body`, `url`, optional `icon`
 * - `webhook.json`: the webhook body
 */
export type TemplateFileKind =
  | { kind: 'settings' }
  | { kind: 'part'; channel: Channel; part: string; format: 'liquid' | 'mjml' | 'html' | 'yaml' };

export interface TemplateFileName {
  file: string;
  locale: string | undefined;
  what: TemplateFileKind;
}

const layout: Record<string, TemplateFileKind> = {
  'template.yaml': { kind: 'settings' },
  'subject.liquid': { kind: 'part', channel: 'email', part: 'subject', format: 'liquid' },
  'email.mjml': { kind: 'part', channel: 'email', part: 'html', format: 'mjml' },
  'email.html': { kind: 'part', channel: 'email', part: 'html', format: 'html' },
  'email.txt': { kind: 'part', channel: 'email', part: 'text', format: 'liquid' },
  'sms.txt': { kind: 'part', channel: 'sms', part: 'text', format: 'liquid' },
  'push.yaml': { kind: 'part', channel: 'push', part: 'title,body,url', format: 'yaml' },
  'webhook.json': { kind: 'part', channel: 'webhook', part: 'body', format: 'liquid' },
};

/** The file names a template folder may hold (without locale). */
export const templateFileNames = Object.keys(layout);

/** BCP 47 language tag as profiles carry it: `fr`, `de-CH`, `zh-Hant-TW`. */
const localeTag = /^[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$/;

/** A file name's meaning in the layout, or why it has none (with a suggestion). */
export function parseTemplateFileName(file: string): TemplateFileName | { problem: string } {
  const direct = layout[file];
  if (direct) return { file, locale: undefined, what: direct };
  const match = /^([^.]+)\.([^.]+)\.([^.]+)$/.exec(file);
  if (match) {
    const [, stem, locale = '', extension] = match;
    const what = layout[`${stem}.${extension}`];
    if (what && what.kind === 'part' && localeTag.test(locale))
      return { file, locale: locale.replace('_', '-'), what };
    if (what && what.kind === 'part')
      return { problem: `"${locale}" is not a locale tag (such as fr or de-CH)` };
  }
  return {
    problem: `not a template file${didYouMeanSuffix(file, templateFileNames)}; expected ${templateFileNames.join(', ')} (or a locale variant such as email.fr.mjml)`,
  };
}
