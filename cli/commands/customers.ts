import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { loadCustomerView, type CustomerView } from '../../customers/customer-view.js';
import { loadTimeline, type TimelineItem } from '../../customers/timeline.js';
import { UserError } from '../../infra/user-error.js';
import { identityHelp, parseCustomer, requireCustomerId } from '../customer-reference.js';
import { withDeployment } from '../deployment.js';
import { formatTable, print, type OutputOptions } from '../output.js';
import { action } from '../run-action.js';
import { wholeNumber } from '../whole-number.js';

function describe(item: TimelineItem): string {
  const d = item.detail;
  switch (item.kind) {
    case 'event':
      return `${String(d.type)} ${String(d.name ?? '')}`.trim();
    case 'delivery':
      return `${String(d.journeyId ?? '')}/${String(d.stepId ?? '')} ${String(d.channel ?? '-')} ${String(d.status)}${d.reason ? ` (${String(d.reason)})` : ''}`;
    case 'journey_run':
      return `${String(d.journeyId)} [${String(d.entryKey)}] ${String(d.status)}${d.reason ? ` (${String(d.reason)})` : ''}`;
  }
}

function render({ customer, timeline }: { customer: CustomerView; timeline: TimelineItem[] }): string {
  const c = customer;
  const lines = [
    `Customer ${c.id}${c.mergedFrom.length > 0 ? ` (merged from ${c.mergedFrom.join(', ')})` : ''}`,
    `  created ${c.createdAt}, last seen ${c.lastSeenAt ?? 'never'}, zone ${c.timeZone ?? '-'}, locale ${c.locale ?? '-'}`,
    `  orders ${c.orderCount}, lifetime value ${c.lifetimeValue}`,
    `  traits ${JSON.stringify(c.traits)}`,
    '',
    'Identities',
    ...c.identities.map(
      (i) =>
        `  ${i.kind.padEnd(14)} ${i.value}${i.verifiedAt ? '' : '  (unverified claim)'}${i.unreachable ? `  (unreachable: ${i.unreachable})` : ''}`,
    ),
    '',
    'Consents',
    ...(c.consents.length === 0
      ? ['  none recorded']
      : c.consents.map(
          (k) => `  ${k.channel.padEnd(8)} ${k.status.padEnd(13)} ${k.source} at ${k.updatedAt}`,
        )),
    '',
    c.cart && c.cart.items.length > 0 ? 'Cart' : 'Cart (empty)',
    ...(c.cart?.items ?? []).map((item) =>
      `  ${item.quantity} × ${item.name ?? item.productId} ${item.price ?? ''}`.trimEnd(),
    ),
    '',
    'Timeline (oldest first)',
  ];
  const table = formatTable(
    ['AT', 'KIND', 'WHAT'],
    timeline.map((item) => [item.at, item.kind.replace('_', ' '), describe(item)]),
  );
  return lines.join('\n') + '\n' + table.replace(/^/gm, '  ').trimEnd() + '\n';
}

export function registerCustomers(program: Command): void {
  const customers = program.command('customers').description('Look up customers.');
  customers
    .command('show')
    .argument('<identity>', identityHelp)
    .description(
      'The 360 view: profile, identities, consents, cart, and events, deliveries and journey runs in time order.',
    )
    .option('--limit <n>', 'timeline entries (the most recent)', '200')
    .option('--json', 'print JSON')
    .action(
      action(async (identity: string, options: OutputOptions & { limit: string }) => {
        const limit = wholeNumber('--limit', options.limit, 1, 10_000);
        const config = loadConfig();
        const reference = parseCustomer('customer', identity, config.api.defaultPhoneCountry);
        await withDeployment(config, async (deployment) => {
          const { db } = await deployment.database();
          const id = await requireCustomerId(db, reference, identity);
          const customer = await loadCustomerView(db, id);
          if (!customer) throw new UserError(`no customer has the identity ${identity}`);
          const page = await loadTimeline(db, customer.id, { limit });
          // Events first when they share a moment with what they caused.
          const order = { event: 0, journey_run: 1, delivery: 2 } as const;
          const timeline = page.items
            .reverse()
            .sort((a, b) => a.at.localeCompare(b.at) || order[a.kind] - order[b.kind]);
          print(options, { customer, timeline }, render);
        });
      }),
    );
}
