import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { deployedJourney } from './journeys/resolve-journey.js';
import {
  journeyStats,
  parseSince,
  visibilityWaitingCounter,
  type JourneyStats,
} from '../../runs/journey-stats.js';
import { withDeployment } from '../deployment.js';
import { UsageError } from '../usage-error.js';
import { formatTable, print, type OutputOptions } from '../output.js';
import { action } from '../run-action.js';

const counts = (record: Record<string, number>) =>
  Object.entries(record)
    .map(([key, n]) => `${key} ${n}`)
    .join(', ');

function render(stats: JourneyStats): string {
  const percent = (stats.conversionRate * 100).toFixed(1);
  const head = [
    `${stats.journeyId}${stats.since ? ` since ${stats.since}` : ''}`,
    `  entered ${stats.entered}  ·  ${counts(stats.outcomes)}`,
    `  converted ${stats.converted} (${percent}%)${stats.conversionWindow ? ` within ${stats.conversionWindow}` : ''}, attributed revenue ${stats.revenue.toFixed(2)}`,
    '',
  ].join('\n');
  const table = formatTable(
    [
      'STEP',
      'TYPE',
      'WAITING',
      'REACHED',
      'MESSAGED',
      'SKIPPED',
      'DEFERRED',
      'BY RULE',
      'FAILED',
      'CONVERTED AFTER',
    ],
    stats.steps.map((s) => [
      s.id,
      s.type,
      s.waiting ?? '-',
      s.type === 'send' ? s.reached : '',
      counts(s.messaged),
      counts(s.skipped),
      s.type === 'send' ? s.deferred : '',
      counts(s.byRule),
      s.type === 'send' ? s.failed : '',
      s.type === 'send' ? s.convertedAfter : '',
    ]),
  );
  return `${head}\n${table}`;
}

export function registerStats(program: Command): void {
  program
    .command('stats')
    .argument('<journey>', 'a deployed journey id')
    .description(
      'The funnel of a journey: entered, waiting per step, messaged per channel, skipped per reason, converted and attributed revenue within its conversion window. Also served at GET /admin/journeys/<id>/stats.',
    )
    .option('--since <when>', 'runs that entered since: a duration back from now (7d, 12h) or an ISO date')
    .option('--no-waiting', 'do not ask Temporal how many runs wait at each step')
    .option('--json', 'print JSON')
    .action(
      action(async (journeyId: string, options: OutputOptions & { since?: string; waiting: boolean }) => {
        const since = options.since === undefined ? undefined : parseSince(options.since);
        if (options.since !== undefined && !since)
          throw new UsageError(`--since ${options.since} is not a duration such as 7d or an ISO date`);
        await withDeployment(loadConfig(), async (deployment) => {
          const { db } = await deployment.database();
          const journey = await deployedJourney(db, journeyId);
          let waitingAt: ((stepId: string) => Promise<number>) | undefined;
          if (options.waiting) {
            const { client } = await deployment.temporal();
            waitingAt = visibilityWaitingCounter(
              async (query) => (await client.workflow.count(query)).count,
              journeyId,
            );
          }
          print(options, await journeyStats(db, journey.definition, { since, waitingAt }), render);
        });
      }),
    );
}
