import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { formatDuration } from '../../domain/broadcast.js';
import { UserError } from '../../infra/user-error.js';
import type { BroadcastReport } from '../../audiences/broadcast-store.js';
import { withDeployment, type Deployment } from '../deployment.js';
import { formatTable, print, type OutputOptions } from '../output.js';
import { action } from '../run-action.js';
import { UsageError } from '../usage-error.js';

const description = 'Send one message to a segment, now or at a time: create, follow, pause, resume, cancel.';

/** Control and report need the broadcast module (and Temporal's client): loaded only when run. */
const control = () => import('../../runs/broadcast-control.js');

/** A refused request in CLI terms: a problem with an option names the option (`--segment`). */
async function refused(error: unknown): Promise<never> {
  const { BroadcastControlError } = await control();
  if (!(error instanceof BroadcastControlError)) throw error;
  if (error.kind === 'invalid')
    throw new UsageError(
      error.problems
        .map(
          (p) => `--${p.path.split('.')[0]?.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${p.message}`,
        )
        .join('; '),
    );
  throw new UserError(
    error.message,
    error.kind === 'unknown' ? '`omnijourney broadcasts list` lists them' : undefined,
  );
}

function reportText({ broadcast, progress, ledger }: BroadcastReport): string {
  const eta = progress.etaSeconds === null ? '' : `, ETA ${formatDuration(progress.etaSeconds)}`;
  const percent = progress.percent === null ? 'not begun' : `${progress.percent}%`;
  return (
    `${broadcast.id}  ${broadcast.status}  ${percent} (${progress.processed} of ${progress.audienceTotal ?? '?'})${eta}\n` +
    `  "${broadcast.name}": template ${broadcast.template} via ${broadcast.channels.join(' → ')} to segment ${broadcast.segmentId}` +
    `${broadcast.scheduledAt ? `, at ${broadcast.scheduledAt.toISOString()}` : ''}\n` +
    (ledger.length > 0
      ? formatTable(
          ['STATUS', 'COUNT', 'RULE', 'REASON'],
          ledger.map((r) => [r.status, r.count, r.rule, r.reason]),
        )
      : '')
  );
}

async function withBroadcasts(work: (deployment: Deployment) => Promise<void>): Promise<void> {
  await withDeployment(loadConfig(), work);
}

function controlCommand(broadcasts: Command, what: 'pause' | 'resume' | 'cancel', text: string): void {
  broadcasts
    .command(what)
    .argument('<id>', 'the broadcast id (`broadcasts list`)')
    .description(text)
    .option('--json', 'print JSON')
    .action(
      action(async (id: string, options: OutputOptions) => {
        await withBroadcasts(async (deployment) => {
          const [{ db }, { client }, { controlBroadcast }] = await Promise.all([
            deployment.database(),
            deployment.temporal(),
            control(),
          ]);
          const report = await controlBroadcast(db, client, id, what).catch(refused);
          print(options, report, reportText);
        });
      }),
    );
}

export function registerBroadcasts(program: Command): void {
  const broadcasts = program.command('broadcasts').description(description);
  broadcasts
    .command('create')
    .description('Send a template to the members of a segment (fixed when it begins), now or at --at.')
    .requiredOption('--segment <id>', 'a deployed segment')
    .requiredOption('--template <id>', 'a template with a part for each channel')
    .requiredOption('--channels <list>', 'channels in order of preference, e.g. email,sms')
    .option('--category <category>', 'marketing (caps, quiet hours, consent) or transactional', 'marketing')
    .option('--at <iso>', 'when to begin, ISO 8601 with an offset (default: now)')
    .option('--name <text>', 'a name for people (default: template to segment)')
    .option('--batch-size <n>', 'customers per batch (1–2000, default 500)')
    .option('--json', 'print JSON')
    .action(
      action(async (options: OutputOptions & Record<string, string | undefined>) => {
        const batchSize = options.batchSize === undefined ? undefined : Number(options.batchSize);
        const body = {
          segment: options.segment,
          template: options.template,
          channels: (options.channels ?? '').split(',').map((c) => c.trim()),
          category: options.category,
          ...(options.at ? { at: options.at } : {}),
          ...(options.name ? { name: options.name } : {}),
          ...(batchSize === undefined ? {} : { batchSize }),
        };
        await withBroadcasts(async (deployment) => {
          const [{ db }, temporal, { createBroadcast, reportOf }] = await Promise.all([
            deployment.database(),
            deployment.temporal(),
            control(),
          ]);
          const created = await createBroadcast(db, temporal, body).catch(refused);
          print(options, await reportOf(db, created.id), (r) => `created ${reportText(r)}`);
        });
      }),
    );
  broadcasts
    .command('status')
    .argument('<id>', 'the broadcast id (`broadcasts list`)')
    .description('Progress (% and ETA) and the ledger of a broadcast: counts by status, rule and reason.')
    .option('--json', 'print JSON')
    .action(
      action(async (id: string, options: OutputOptions) => {
        await withBroadcasts(async (deployment) => {
          const [{ db }, { reportOf }] = await Promise.all([deployment.database(), control()]);
          print(options, await reportOf(db, id).catch(refused), reportText);
        });
      }),
    );
  controlCommand(
    broadcasts,
    'pause',
    'Pause a broadcast after its batch in flight; resume goes on where it stopped.',
  );
  controlCommand(broadcasts, 'resume', 'Resume a paused broadcast where it stopped.');
  controlCommand(
    broadcasts,
    'cancel',
    'Cancel a broadcast: no customer is decided or sent to after its batch in flight.',
  );
  listCommand(broadcasts);
}

function listCommand(broadcasts: Command): void {
  broadcasts
    .command('list')
    .description('The broadcasts, newest first, with status and progress.')
    .option('--json', 'print JSON')
    .action(
      action(async (options: OutputOptions) => {
        await withBroadcasts(async (deployment) => {
          const { db } = await deployment.database();
          const { listBroadcasts } = await import('../../audiences/broadcast-store.js');
          const rows = await listBroadcasts(db);
          print(options, rows, (list) =>
            list.length === 0
              ? 'no broadcasts\n'
              : formatTable(
                  ['ID', 'STATUS', 'PROCESSED', 'AUDIENCE', 'SEGMENT', 'TEMPLATE', 'NAME'],
                  list.map((b) => [
                    b.id,
                    b.status,
                    b.processed,
                    b.audienceTotal,
                    b.segmentId,
                    b.template,
                    b.name,
                  ]),
                ),
          );
        });
      }),
    );
}
