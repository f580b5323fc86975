import type { Command } from 'commander';
import { stringify } from 'yaml';
import { loadConfig } from '../../config/config.js';
import type { SegmentPreview } from '../../audiences/segment-preview.js';
import type { SegmentSummary } from '../../audiences/segment-summaries.js';
import { UserError } from '../../infra/user-error.js';
import { withDeployment } from '../deployment.js';
import { formatTable, print, type OutputOptions } from '../output.js';
import { action } from '../run-action.js';

export function formatPreview(p: SegmentPreview): string {
  const lines = [
    `segment ${p.segmentId} version ${p.version}${p.deployedVersion ? ` (deployed: ${p.deployedVersion})` : ' (not deployed)'}`,
    `size     ${p.size} of ${p.evaluated} customers evaluated${p.truncated ? ' (more candidates not evaluated: raise --limit)' : ''}`,
    `sample   ${p.sample.join(' ') || '-'}`,
  ];
  if (p.change)
    lines.push(
      `entering ${p.change.entering}  ${p.change.enteringSample.join(' ')}`.trimEnd(),
      `leaving  ${p.change.leaving}  ${p.change.leavingSample.join(' ')}`.trimEnd(),
    );
  return `${lines.join('\n')}\n`;
}

export function formatSegment(s: SegmentSummary & { definition?: unknown }): string {
  return [
    `segment  ${s.id} (${s.name})`,
    `version  ${s.version}, deployed ${s.deployedAt.toISOString()}`,
    `members  ${s.members}`,
    `sample   ${s.sample?.join(' ') || '-'}`,
    '',
    stringify(s.definition).trimEnd(),
    '',
  ].join('\n');
}

/** `segments list` and `segments show ID`: what is deployed and who is in it. */
export function registerSegmentReads(segments: Command): void {
  segments
    .command('list')
    .description('The deployed segments: current version, members, when deployed.')
    .option('--json', 'print JSON')
    .action(
      action(async (options: OutputOptions) => {
        await withDeployment(loadConfig(), async (deployment) => {
          const { listSegments } = await import('../../audiences/segment-summaries.js');
          const list = await listSegments((await deployment.database()).db);
          print(options, list, (rows) =>
            formatTable(
              ['ID', 'VERSION', 'MEMBERS', 'DEPLOYED', 'NAME'],
              rows.map((r) => [r.id, r.version, r.members, r.deployedAt, r.name]),
            ),
          );
        });
      }),
    );
  segments
    .command('show')
    .argument('<id>', 'a deployed segment id')
    .description('One deployed segment: its definition, version, member count and a sample of members.')
    .option('--json', 'print JSON')
    .action(
      action(async (id: string, options: OutputOptions) => {
        await withDeployment(loadConfig(), async (deployment) => {
          const { showSegment } = await import('../../audiences/segment-summaries.js');
          const shown = await showSegment((await deployment.database()).db, id);
          if ('unknown' in shown) throw new UserError(shown.unknown);
          print(options, shown, formatSegment);
        });
      }),
    );
}
