import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { previewEml } from '../../delivery/preview-email.js';
import {
  parseEventJson,
  previewMessages,
  type ChannelPreview,
  type Preview,
} from '../../delivery/preview-message.js';
import { screenshotHtml } from '../../delivery/preview-screenshot.js';
import { loadTemplateFiles } from '../../catalog/template-files.js';
import { partsForLocale } from '../../domain/template-content.js';
import type { FindTemplate } from '../../delivery/preview-message.js';
import { channels, isChannel, type Channel } from '../../domain/channels.js';
import { identityHelp, parseCustomer } from '../customer-reference.js';
import { customerIdFor } from '../../customers/identity-reference.js';
import { withDeployment } from '../deployment.js';
import { asCliError, messageSettingsFor } from '../message-settings.js';
import { print, type OutputOptions } from '../output.js';
import { action } from '../run-action.js';
import { UsageError } from '../usage-error.js';

interface PreviewOptions extends OutputOptions {
  customer: string;
  event?: string;
  channel?: string;
  locale?: string;
  out?: string;
  dir?: string;
}

export const dirHelp =
  'read the template from this folder of template files (e.g. shop/templates), not yet deployed; default: the deployed version';

/**
 * `--dir`: the templates as written in their folders, before any deploy (a marketer previews, then
 * deploys); the locale's variant picked as a send picks it. Undefined without `--dir`: the store.
 */
export function folderTemplates(dir: string | undefined): FindTemplate | undefined {
  if (dir === undefined) return undefined;
  const folders = loadTemplateFiles(dir);
  return (id, locale) => {
    const folder = folders.find((f) => f.id === id);
    return Promise.resolve(folder && partsForLocale(folder.content, locale).parts);
  };
}

const recipientText = (preview: ChannelPreview) =>
  'refused' in preview.recipient
    ? `not sent now: ${preview.recipient.refused}`
    : Object.values(preview.recipient).slice(1).map(String).join(' ');

const indent = (text: string) => text.replace(/^/gm, '    ');

/** The rendered parts of one channel, as a marketer reads them. */
function channelText(preview: ChannelPreview): string {
  const lines = [`${preview.channel} → ${recipientText(preview)}`];
  for (const [part, value] of Object.entries(preview.message))
    if (part !== 'channel') lines.push(`  ${part}:`, indent(String(value)));
  if (preview.unsubscribeUrl) lines.push(`  unsubscribe link: ${preview.unsubscribeUrl}`);
  return lines.join('\n');
}

function summary(preview: Preview): string {
  const head = `template ${preview.templateId} for customer ${preview.customerId} (locale ${preview.locale ?? 'default'}), trigger ${preview.trigger.name} ${JSON.stringify(preview.trigger.properties)}`;
  return [head, ...preview.previews.map(channelText)].join('\n\n') + '\n';
}

/** Each channel's files in DIR: email as .eml, .html and (with Chromium) .png; the others as .txt/.json. */
async function writeFiles(preview: Preview, dir: string, from: string | undefined): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  const write = async (name: string, content: string | Buffer) => {
    const file = path.join(dir, `${preview.templateId}.${name}`);
    await writeFile(file, content);
    written.push(file);
  };
  for (const item of preview.previews) {
    if (item.channel === 'email') {
      await write('eml', await previewEml(item, preview, from));
      await write('html', item.message.html);
      const shot = await screenshotHtml(item.message.html, (line) => process.stderr.write(`${line}\n`));
      if ('png' in shot) await write('png', shot.png);
      else process.stderr.write(`omnijourney: no PNG: ${shot.unavailable}\n`);
    } else if (item.channel === 'sms') await write('sms.txt', `${item.message.text}\n`);
    else await write(`${item.channel}.json`, `${JSON.stringify(item.message, null, 2)}\n`);
  }
  return written;
}

export function registerTemplatePreview(templates: Command): void {
  templates
    .command('preview')
    .argument('<id>', 'the template')
    .description(
      'Render a template exactly as one customer would receive it: their profile, cart and unsubscribe link, a trigger event (--event or a sample). Without --out, prints each channel; with it, writes email as .eml, .html and a .png (headless Chromium), SMS as .txt, push and webhook as .json.',
    )
    .requiredOption('--customer <identity>', identityHelp)
    .option(
      '--event <json>',
      'the trigger event, e.g. {"name":"Product Viewed","properties":{"name":"Lamp"}}',
    )
    .option('--channel <channel>', `one channel (${channels.join(', ')}); default: all the template has`)
    .option('--locale <locale>', "the locale variant; default: the customer's")
    .option('--out <dir>', 'write the files to this folder')
    .option('--dir <folder>', dirHelp)
    .option('--json', 'print JSON')
    .action(
      action(async (id: string, options: PreviewOptions) => {
        const config = loadConfig();
        const reference = parseCustomer('--customer', options.customer, config.api.defaultPhoneCountry);
        if (options.channel !== undefined && !isChannel(options.channel))
          throw new UsageError(`--channel ${options.channel}: expected one of ${channels.join(', ')}`);
        const channel = options.channel as Channel | undefined;
        const event = eventOption(options.event);
        const findTemplate = folderTemplates(options.dir);
        await withDeployment(config, async (deployment) => {
          const { db } = await deployment.database();
          const customerId = await customerIdFor(db, reference);
          // A preview names someone to render for: nobody by that identity is a mistake in the command (exit 2).
          if (!customerId)
            throw new UsageError(`--customer ${options.customer}: no customer has this identity`);
          const settings = { ...(await messageSettingsFor(config)), findTemplate };
          const preview = await previewMessages(db, settings, {
            templateId: id,
            customerId,
            channel,
            locale: options.locale,
            event,
          }).catch((error: unknown) => {
            throw asCliError(error);
          });
          if (!options.out) return print(options, preview, summary);
          const files = await writeFiles(preview, options.out, config.channels.email?.from);
          print(options, { ...preview, files }, () => files.map((file) => `wrote ${file}\n`).join(''));
        });
      }),
    );
}

/** `--event` read, or undefined without it; a mistake as the CLI reports it (exit 2). */
export function eventOption(text: string | undefined) {
  try {
    return text === undefined ? undefined : parseEventJson(text);
  } catch (error) {
    throw asCliError(error);
  }
}
