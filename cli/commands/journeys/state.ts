import type { Command } from 'commander';
import { loadConfig } from '../../../config/config.js';
import { UserError } from '../../../infra/user-error.js';
import {
  JourneyControlError,
  pauseJourney,
  resumeJourney,
  undeployJourney,
  type StateChange,
} from '../../../runs/journey-control.js';
import { withDeployment, type Deployment } from '../../deployment.js';
import { print, type OutputOptions } from '../../output.js';
import { action } from '../../run-action.js';

type Change = (deployment: Deployment, journeyId: string, end: boolean) => Promise<StateChange>;

function render(change: StateChange): string {
  const ended = change.runsEnded > 0 ? `, ${change.runsEnded} running run(s) asked to end` : '';
  const dropped =
    change.droppedEntries > 0 ? `, ${change.droppedEntries} entry(ies) dropped while paused` : '';
  return `${change.journeyId}: ${change.state}${ended}${dropped}\n`;
}

/** One state command: runs the change against the deployment, a refusal as a one-line error. */
function stateCommand(
  journeys: Command,
  name: string,
  description: string,
  change: Change,
  endFlag?: string,
) {
  const command = journeys
    .command(name)
    .argument('<journey>', 'a deployed journey id')
    .description(description);
  if (endFlag) command.option('--end', endFlag);
  command.option('--json', 'print JSON').action(
    action(async (journeyId: string, options: OutputOptions & { end?: boolean }) => {
      await withDeployment(loadConfig(), async (deployment) => {
        try {
          print(options, await change(deployment, journeyId, options.end === true), render);
        } catch (error) {
          if (!(error instanceof JourneyControlError)) throw error;
          throw new UserError(error.message, '`omnijourney journeys list` shows the deployed ones');
        }
      });
    }),
  );
}

/** `journeys pause|resume|undeploy` (also POST /admin/journeys/<id>/pause|resume|undeploy). */
export function stateCommands(journeys: Command): void {
  const client = async (deployment: Deployment, end: boolean) =>
    end ? (await deployment.temporal()).client : undefined;
  stateCommand(
    journeys,
    'pause',
    'Pause a journey: no new runs (triggers are counted as dropped); running runs wait at their next send until resumed.',
    async (d, id, end) => pauseJourney((await d.database()).db, id, await client(d, end)),
    'end the running runs instead of holding them (outcome "cancelled", reason "journey paused")',
  );
  stateCommand(
    journeys,
    'resume',
    'Resume a paused journey: new runs start and held sends go out.',
    async (d, id) => resumeJourney((await d.database()).db, id),
  );
  stateCommand(
    journeys,
    'undeploy',
    'Undeploy a journey: no new runs, gone from `journeys list`; its versions and runs stay. Deploy it again to bring it back.',
    async (d, id, end) => undeployJourney((await d.database()).db, id, await client(d, end)),
    'end the running runs (reason "journey undeployed") instead of letting them finish',
  );
}
