import type { Command } from 'commander';
import { listCommand } from './list.js';
import { validateCommand } from './validate.js';
import { graphCommand } from './graph.js';
import { deployCommand } from './deploy.js';
import { runsCommand } from './runs.js';
import { cancelCommand } from './cancel.js';
import { stateCommands } from './state.js';
import { showCommand } from './show.js';
import { backfillCommand } from './backfill.js';

export function registerJourneys(program: Command): void {
  const journeys = program
    .command('journeys')
    .description('Write, check, draw, deploy and operate journeys.');
  listCommand(journeys);
  showCommand(journeys);
  validateCommand(journeys);
  graphCommand(journeys);
  deployCommand(journeys);
  runsCommand(journeys);
  cancelCommand(journeys);
  stateCommands(journeys);
  backfillCommand(journeys);
}
