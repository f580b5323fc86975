import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { deliveryStatuses } from '../../db/schema.js';
import { listDeliveries } from '../../delivery/ledger-query.js';
import { channels, type Channel } from '../../domain/channels.js';
import { parseDuration } from '../../domain/duration.js';
import { identityHelp, parseCustomer, requireCustomerId } from '../customer-reference.js';
import { withDeployment } from '../deployment.js';
import { UsageError } from '../usage-error.js';
import { formatTable, print, type OutputOptions } from '../output.js';
import { action } from '../run-action.js';
import { wholeNumber } from '../whole-number.js';

type Status = (typeof deliveryStatuses)[number];

function oneOf<T extends string>(
  flag: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value))
    throw new UsageError(`${flag} ${value} is not one of ${allowed.join(', ')}`);
  return value as T;
}

export function registerDeliveries(program: Command): void {
  program
    .command('deliveries')
    .description('The send ledger: every message sent, skipped, deferred or failed, and why.')
    .command('list')
    .description('Ledger rows, newest first.')
    .option('--customer <identity>', identityHelp)
    .option('--status <status>', deliveryStatuses.join(', '))
    .option('--channel <channel>', channels.join(', '))
    .option('--journey <id>', 'only this journey')
    .option('--since <duration>', 'only the last … (e.g. 1h, 2d)')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'print JSON')
    .action(
      action(
        async (
          options: OutputOptions & {
            customer?: string;
            status?: string;
            channel?: string;
            journey?: string;
            since?: string;
            limit: string;
          },
        ) => {
          const limit = wholeNumber('--limit', options.limit, 1, 10_000);
          const status = oneOf<Status>('--status', options.status, deliveryStatuses);
          const channel = oneOf<Channel>('--channel', options.channel, channels);
          let since: Date | undefined;
          if (options.since !== undefined) {
            const ms = parseDuration(options.since);
            if (ms === undefined)
              throw new UsageError(`--since ${options.since} is not a duration such as 30m, 12h or 7d`);
            since = new Date(Date.now() - ms);
          }
          const config = loadConfig();
          const customer = options.customer;
          const reference =
            customer === undefined
              ? undefined
              : parseCustomer('--customer', customer, config.api.defaultPhoneCountry);
          await withDeployment(config, async (deployment) => {
            const { db } = await deployment.database();
            const customerId =
              reference && customer ? await requireCustomerId(db, reference, customer) : undefined;
            const rows = await listDeliveries(db, {
              customerId,
              status,
              channel,
              journeyId: options.journey,
              since,
              limit,
            });
            print(options, rows, (list) =>
              list.length === 0
                ? 'no deliveries\n'
                : formatTable(
                    ['AT', 'CUSTOMER', 'JOURNEY/STEP', 'CHANNEL', 'STATUS', 'RULE', 'REASON'],
                    list.map((r) => [
                      r.createdAt,
                      r.customerId,
                      `${r.journeyId ?? '-'}/${r.stepId ?? '-'}`,
                      r.channel ?? '-',
                      r.status,
                      r.rule ?? '-',
                      r.reason,
                    ]),
                  ),
            );
          });
        },
      ),
    );
}
