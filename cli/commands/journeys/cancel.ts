import type { Command } from 'commander';
import { loadConfig } from '../../../config/config.js';
import { UserError } from '../../../infra/user-error.js';
import { findRun } from '../../../runs/journey-runs-query.js';
import { withDeployment } from '../../deployment.js';
import { print, type OutputOptions } from '../../output.js';
import { action } from '../../run-action.js';

/** `journeys cancel`: end a running run at once (outcome "cancelled"). */
export function cancelCommand(journeys: Command): void {
  journeys
    .command('cancel')
    .argument('<run>', 'a workflow id (journey/<journey>/<customer>/<key>) or a run id')
    .description('End a running journey run at once; its outcome becomes "cancelled".')
    .option('--reason <text>', 'recorded with the outcome', 'cancelled by an operator')
    .option('--json', 'print JSON')
    .action(
      action(async (run: string, options: OutputOptions & { reason: string }) => {
        await withDeployment(loadConfig(), async (deployment) => {
          const { db } = await deployment.database();
          const row = await findRun(db, run);
          if (!row)
            throw new UserError(
              `no journey run "${run}"`,
              '`omnijourney journeys runs <journey>` lists them',
            );
          if (row.status !== 'running')
            throw new UserError(`run ${row.workflowId} has already ended (${row.status})`);
          const { client } = await deployment.temporal();
          // Loaded only when there is a run to cancel: Temporal's client is slow to load.
          const [{ WorkflowNotFoundError }, { cancelJourneyRun }] = await Promise.all([
            import('@temporalio/client'),
            import('../../../workflows/journey-run/lifecycle.js'),
          ]);
          try {
            await cancelJourneyRun(client, row.workflowId, options.reason);
          } catch (error) {
            if (error instanceof WorkflowNotFoundError)
              throw new UserError(`run ${row.workflowId} is not running in Temporal`);
            throw error;
          }
          print(
            options,
            { workflowId: row.workflowId, runId: row.runId, cancelRequested: true, reason: options.reason },
            (r) => `cancel requested for ${r.workflowId}: ${r.reason}\n`,
          );
        });
      }),
    );
}
