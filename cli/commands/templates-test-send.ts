import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { testChannels, testSend } from '../../delivery/test-send.js';
import { customerIdFor } from '../../customers/identity-reference.js';
import { identityHelp, parseCustomer } from '../customer-reference.js';
import { withDeployment } from '../deployment.js';
import { asCliError, messageSettingsFor } from '../message-settings.js';
import { print, type OutputOptions } from '../output.js';
import { action } from '../run-action.js';
import { UsageError } from '../usage-error.js';
import { isChannel, type Channel } from '../../domain/channels.js';
import { dirHelp, eventOption, folderTemplates } from './templates-preview.js';

interface TestSendOptions extends OutputOptions {
  to: string;
  channel?: string;
  customer?: string;
  event?: string;
  locale?: string;
  dir?: string;
}

export function registerTemplateTestSend(templates: Command): void {
  templates
    .command('test-send')
    .argument('<id>', 'the template')
    .description(
      'Send a template to an address of yours through the configured adapter (SMTP, Twilio), marked as a test: the subject or text starts with [TEST]. It writes no ledger row, so caps and stats never count it.',
    )
    .requiredOption('--to <address>', 'an email address or a phone number (+33…)')
    .option('--channel <channel>', `${testChannels.join(' or ')}; default: the first the template has`)
    .option('--customer <identity>', `render with this customer's profile and cart: ${identityHelp}`)
    .option('--event <json>', 'the trigger event, e.g. {"name":"Order Completed","properties":{}}')
    .option('--locale <locale>', 'the locale variant')
    .option('--dir <folder>', dirHelp)
    .option('--json', 'print JSON')
    .action(
      action(async (id: string, options: TestSendOptions) => {
        const config = loadConfig();
        const reference =
          options.customer === undefined
            ? undefined
            : parseCustomer('--customer', options.customer, config.api.defaultPhoneCountry);
        if (options.channel !== undefined && !isChannel(options.channel))
          throw new UsageError(`--channel ${options.channel}: expected ${testChannels.join(' or ')}`);
        const event = eventOption(options.event);
        const findTemplate = folderTemplates(options.dir);
        await withDeployment(config, async (deployment) => {
          const { db } = await deployment.database();
          const customerId = reference && (await customerIdFor(db, reference));
          if (reference && !customerId)
            throw new UsageError(`--customer ${options.customer}: no customer has this identity`);
          const result = await testSend(
            db,
            { ...(await messageSettingsFor(config)), findTemplate },
            {
              templateId: id,
              to: options.to,
              channel: options.channel as Channel | undefined,
              customerId,
              locale: options.locale,
              event,
            },
          ).catch((error: unknown) => {
            throw asCliError(error);
          });
          print(
            options,
            result,
            (r) => `sent ${r.channel} test of ${id} to ${r.to} (${r.providerMessageId}); no ledger row\n`,
          );
        });
      }),
    );
}
