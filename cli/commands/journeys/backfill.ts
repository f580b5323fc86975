import type { Command } from 'commander';
import { pino } from 'pino';
import { loadConfig } from '../../../config/config.js';
import { createJourneyCatalog } from '../../../catalog/catalog-cache.js';
import { backfillJourney, segmentJourney, type BackfillReport } from '../../../runs/journey-backfill.js';
import { withDeployment } from '../../deployment.js';
import { formatTable, print, type OutputOptions } from '../../output.js';
import { action } from '../../run-action.js';
import { UsageError } from '../../usage-error.js';

function render(report: BackfillReport): string {
  const { journeyId, segment, on, candidates, wouldEnter, started } = report;
  const head = report.dryRun
    ? `${journeyId} (segment ${segment}, on ${on}), dry run: ${candidates} candidate(s), ${wouldEnter} would enter`
    : `${journeyId} (segment ${segment}, on ${on}): ${candidates} candidate(s), ${wouldEnter} eligible, ${started} run(s) started`;
  const reasons = Object.entries(report.notEntered).map(([reason, n]) => `  not entered, ${reason}: ${n}\n`);
  const sample = formatTable(
    ['CUSTOMER', 'ENTRY', 'VERDICT'],
    report.sample.map((s) => [s.customerId, s.entry, s.verdict.reason]),
  );
  return `${head}\n${reasons.join('')}${report.sample.length > 0 ? sample : ''}`;
}

/** `journeys backfill`: enter a segment-triggered journey's current audience (or say who would enter). */
export function backfillCommand(journeys: Command): void {
  journeys
    .command('backfill')
    .argument('<journey>', 'a deployed journey triggered by { segment, on: enter | leave }')
    .description(
      "Enter a segment-triggered journey's audience now (members for on: enter, those who left for on: leave), under its re-entry rule; --dry-run says who would enter and why not the others.",
    )
    .option('--dry-run', 'start nothing: counts, reasons and a sample')
    .option('--sample <n>', 'candidates shown with their verdict', '10')
    .option('--json', 'print JSON')
    .action(
      action(async (journeyId: string, options: OutputOptions & { dryRun?: boolean; sample: string }) => {
        const sampleSize = Number(options.sample);
        if (!Number.isInteger(sampleSize) || sampleSize < 0 || sampleSize > 1000)
          throw new UsageError(`--sample ${options.sample}: give a whole number from 0 to 1000`);
        await withDeployment(loadConfig(), async (deployment) => {
          const { db } = await deployment.database();
          const journey = await segmentJourney(db, journeyId);
          const routing = options.dryRun
            ? undefined
            : {
                ...(await deployment.temporal()),
                logger: pino({ level: 'silent' }),
                catalog: createJourneyCatalog(),
              };
          print(
            options,
            await backfillJourney(db, journey, { routing, now: new Date(), sampleSize }),
            render,
          );
        });
      }),
    );
}
