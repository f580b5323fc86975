import type { Command } from 'commander';
import { loadConfig } from '../../../config/config.js';
import { runStatuses } from '../../../db/schema.js';
import { listJourneyRuns } from '../../../runs/journey-runs-query.js';
import { deployedJourney } from './resolve-journey.js';
import { identityHelp, parseCustomer, requireCustomerId } from '../../customer-reference.js';
import { withDeployment } from '../../deployment.js';
import { UsageError } from '../../usage-error.js';
import { formatTable, print, type OutputOptions } from '../../output.js';
import { action } from '../../run-action.js';
import { wholeNumber } from '../../whole-number.js';

/** `journeys runs`: a journey's runs from journey_runs, newest first. */
export function runsCommand(journeys: Command): void {
  journeys
    .command('runs')
    .argument('<journey>', 'journey id')
    .description('Runs of a journey, newest first, from the journey_runs table.')
    .option('--status <status>', `only runs with this status (${runStatuses.join(', ')})`)
    .option('--customer <identity>', `only this customer: ${identityHelp}`)
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'print JSON')
    .action(
      action(
        async (
          journeyId: string,
          options: OutputOptions & { status?: string; customer?: string; limit: string },
        ) => {
          const limit = wholeNumber('--limit', options.limit, 1, 10_000);
          if (options.status && !(runStatuses as readonly string[]).includes(options.status))
            throw new UsageError(`--status ${options.status} is not one of ${runStatuses.join(', ')}`);
          const config = loadConfig();
          const { customer } = options;
          const reference =
            customer === undefined
              ? undefined
              : parseCustomer('--customer', customer, config.api.defaultPhoneCountry);
          await withDeployment(config, async (deployment) => {
            const { db } = await deployment.database();
            await deployedJourney(db, journeyId);
            const customerId =
              reference && customer ? await requireCustomerId(db, reference, customer) : undefined;
            const rows = await listJourneyRuns(db, {
              journeyId,
              status: options.status as (typeof runStatuses)[number] | undefined,
              customerId,
              limit,
            });
            print(options, rows, (list) =>
              list.length === 0
                ? 'no runs\n'
                : formatTable(
                    ['WORKFLOW ID', 'STATUS', 'STARTED', 'ENDED', 'REASON'],
                    list.map((r) => [r.workflowId, r.status, r.startedAt, r.endedAt, r.reason]),
                  ),
            );
          });
        },
      ),
    );
}
