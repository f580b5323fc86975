import type { Client } from '@temporalio/client';
import { desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import {
  broadcastReport,
  getBroadcast,
  insertBroadcast,
  newBroadcastId,
  setBroadcastStatus,
  type Broadcast,
  type BroadcastReport,
} from '../audiences/broadcast-store.js';
import { listTemplates, templateForSend } from '../catalog/template-store.js';
import { cancelDeferred } from '../audiences/broadcast-deferred.js';
import type { Database } from '../db/client.js';
import { segmentVersions } from '../db/schema.js';
import { broadcastIntentKey, maxBroadcastBatchSize } from '../domain/broadcast.js';
import { channels, messageCategories } from '../domain/channels.js';
import { didYouMeanSuffix } from '../domain/did-you-mean.js';
import type { InputProblem } from '../domain/input-problem.js';
import { plainError } from '../domain/plain-error.js';
import { signalBroadcast, startBroadcastWorkflow } from '../workflows/broadcast/lifecycle.js';

/** Create, pause, resume, cancel and report broadcasts: shared by the admin API and the CLI. */

export const newBroadcastSchema = z.strictObject({
  segment: z.string().min(1),
  template: z.string().min(1),
  channels: z.array(z.enum(channels)).min(1).max(channels.length),
  category: z.enum(messageCategories).default('marketing'),
  at: z.iso
    .datetime({ offset: true })
    .optional()
    .meta({ description: 'When to begin (ISO 8601); absent: now.' }),
  name: z.string().min(1).max(200).optional(),
  batchSize: z.number().int().min(1).max(maxBroadcastBatchSize).optional(),
});
export type NewBroadcast = z.output<typeof newBroadcastSchema>;

/** A refused request: its problems by field (400), or a broadcast that does not exist or allow it. */
export class BroadcastControlError extends Error {
  constructor(
    readonly kind: 'invalid' | 'unknown' | 'conflict',
    message: string,
    readonly problems: InputProblem[] = [],
  ) {
    super(message);
  }
}

const invalid = (problems: InputProblem[]) =>
  new BroadcastControlError('invalid', problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems);

/** The segment is deployed, the template exists and has a part for every channel listed. */
async function referenceProblems(db: Database, input: NewBroadcast): Promise<InputProblem[]> {
  const problems: InputProblem[] = [];
  const [segment] = await db
    .select({ id: segmentVersions.segmentId })
    .from(segmentVersions)
    .where(eq(segmentVersions.segmentId, input.segment))
    .limit(1);
  if (!segment) {
    const known = await db
      .selectDistinct({ id: segmentVersions.segmentId })
      .from(segmentVersions)
      .orderBy(desc(segmentVersions.segmentId))
      .limit(1000);
    const ids = known.map((k) => k.id);
    problems.push({
      path: 'segment',
      message: `no deployed segment "${input.segment}"${didYouMeanSuffix(input.segment, ids)}`,
    });
  }
  const template = await templateForSend(db, input.template);
  if (!template) {
    const ids = (await listTemplates(db)).map((t) => t.id);
    problems.push({
      path: 'template',
      message: `no template "${input.template}"${didYouMeanSuffix(input.template, ids)}`,
    });
  } else
    for (const channel of input.channels)
      if (!template.parts[channel])
        problems.push({ path: 'channels', message: `template "${input.template}" has no ${channel} part` });
  return problems;
}

/** Checks the request, records the broadcast and starts its workflow (which waits for `at`). */
export async function createBroadcast(
  db: Database,
  temporal: { client: Client; taskQueue: string },
  body: unknown,
): Promise<Broadcast> {
  const parsed = newBroadcastSchema.safeParse(body ?? {}, { error: plainError });
  if (!parsed.success)
    throw invalid(parsed.error.issues.map((i) => ({ path: i.path.join('.') || 'body', message: i.message })));
  const input = parsed.data;
  const problems = await referenceProblems(db, input);
  if (problems.length > 0) throw invalid(problems);
  const id = newBroadcastId();
  const row = await insertBroadcast(db, {
    id,
    name: input.name ?? `${input.template} to ${input.segment}`,
    segmentId: input.segment,
    template: input.template,
    channels: input.channels,
    category: input.category,
    intentKey: broadcastIntentKey(id),
    scheduledAt: input.at ? new Date(input.at) : null,
  });
  await startBroadcastWorkflow(temporal.client, temporal.taskQueue, {
    broadcastId: id,
    name: row.name,
    segmentId: row.segmentId,
    template: row.template,
    batchSize: input.batchSize,
  });
  return row;
}

async function existing(db: Database, id: string): Promise<Broadcast> {
  const row = await getBroadcast(db, id);
  if (!row) throw new BroadcastControlError('unknown', `no broadcast ${id}`);
  return row;
}

/**
 * Pause, resume or cancel: the status is stored first (a batch in flight reads `cancelled` under
 * its lock and decides nothing), then the workflow is signalled (pause and resume take effect
 * between batches). A completed broadcast can still be cancelled while sends wait for their
 * customers' quiet-hours windows: those are cancelled, recorded with the reason.
 */
export async function controlBroadcast(
  db: Database,
  client: Client,
  id: string,
  what: 'pause' | 'resume' | 'cancel',
): Promise<BroadcastReport> {
  const row = await existing(db, id);
  // Completed, its quiet-hours sends may still wait for their windows: those can be cancelled.
  if (row.status === 'completed' && what === 'cancel' && (await cancelDeferred(db, id)) > 0)
    return reportOf(db, id);
  if (row.status === 'completed' || row.status === 'cancelled')
    throw new BroadcastControlError(
      'conflict',
      `broadcast ${id} is ${row.status}${endedNote(row.status, what)}`,
    );
  if (what === 'resume' && row.status !== 'paused')
    throw new BroadcastControlError('conflict', `broadcast ${id} is not paused (${row.status})`);
  const status = what === 'pause' ? 'paused' : what === 'resume' ? 'running' : 'cancelled';
  await setBroadcastStatus(db, id, status);
  await signalBroadcast(client, id, what);
  return reportOf(db, id);
}

const endedNote = (status: string, what: 'pause' | 'resume' | 'cancel') =>
  status !== 'completed'
    ? ''
    : what === 'cancel'
      ? ' (no send is left waiting for a quiet-hours window)'
      : ' (sends still waiting for quiet-hours windows can be cancelled, not paused)';

export async function reportOf(db: Database, id: string): Promise<BroadcastReport> {
  const report = await broadcastReport(db, id);
  if (!report) throw new BroadcastControlError('unknown', `no broadcast ${id}`);
  return report;
}
