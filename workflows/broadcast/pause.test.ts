import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BroadcastActivities } from '../../activities/broadcast-activities.js';
import { stubActivityWorker, uniqueTaskQueue } from '../../test/helpers/temporal.js';
import { broadcastProgressQuery, pauseBroadcastSignal, resumeBroadcastSignal } from './signals.js';
import { broadcast } from './workflow.js';

/**
 * Who stores a paused broadcast's status, with stub activities: an audience of two pages, the first
 * batch held until the test lets it go, so a pause and a resume arrive while it is in flight. The
 * control (runs/broadcast-control.ts) stores the status before it signals; a late write of
 * `paused` by the workflow would undo a resume that came meanwhile (seen: `broadcasts resume`
 * printing `paused`).
 */
type Stubs = Pick<
  BroadcastActivities,
  'broadcastSchedule' | 'broadcastBegin' | 'broadcastPage' | 'deliverBroadcastBatch' | 'broadcastFinish'
>;

function stubBroadcast() {
  const written: string[] = [];
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  let batches = 0;
  const activities: Stubs = {
    broadcastSchedule: async () => ({ scheduledAt: null, status: 'running' }),
    broadcastBegin: async () => ({
      segmentId: 's',
      status: 'running',
      scheduledAt: null,
      startedAt: new Date(0).toISOString(),
      audienceTotal: 4,
      cursor: null,
      processed: 0,
    }),
    broadcastPage: async ({ cursor }) => (cursor === null ? ['a', 'b'] : cursor === 'b' ? ['c', 'd'] : []),
    async deliverBroadcastBatch({ customerIds }) {
      if (batches++ === 0) await held;
      return { customers: customerIds.length, statuses: { sent: customerIds.length }, cancelled: false };
    },
    async broadcastFinish(_id, status) {
      written.push(status);
      return true;
    },
  };
  return { activities, written, release, batches: () => batches };
}

describe('a broadcast paused and resumed while a batch is in flight', () => {
  let env: TestWorkflowEnvironment;
  let close: () => Promise<void>;
  const taskQueue = uniqueTaskQueue('pause');
  let current: ReturnType<typeof stubBroadcast> | undefined;
  beforeAll(async () => {
    ({ env, close } = await stubActivityWorker<Stubs>(
      taskQueue,
      ['broadcastSchedule', 'broadcastBegin', 'broadcastPage', 'deliverBroadcastBatch', 'broadcastFinish'],
      () => current?.activities,
    ));
  }, 120_000);
  afterAll(() => close?.());

  const start = async (name: string) => {
    current = stubBroadcast();
    const handle = await env.client.workflow.start(broadcast, {
      taskQueue,
      workflowId: `pause-${name}-${Date.now()}`,
      args: [{ broadcastId: name, batchSize: 2, batchesInFlight: 1 }],
    });
    while (current.batches() === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    return { handle, stub: current };
  };

  it('by the control (status stored by it): the workflow writes neither paused nor running', async () => {
    const { handle, stub } = await start('stored');
    await handle.signal(pauseBroadcastSignal, { stored: true });
    stub.release();
    while ((await handle.query(broadcastProgressQuery)).status !== 'paused')
      await new Promise((resolve) => setTimeout(resolve, 20));
    await handle.signal(resumeBroadcastSignal, { stored: true });
    expect(await handle.result()).toMatchObject({ status: 'completed', processed: 4 });
    expect(stub.written).toEqual(['completed']);
  });

  it('from the Temporal UI (no status stored): the workflow stores paused, then running', async () => {
    const { handle, stub } = await start('ui');
    await handle.signal(pauseBroadcastSignal);
    stub.release();
    while (!stub.written.includes('paused')) await new Promise((resolve) => setTimeout(resolve, 20));
    await handle.signal(resumeBroadcastSignal);
    expect(await handle.result()).toMatchObject({ status: 'completed', processed: 4 });
    expect(stub.written).toEqual(['paused', 'running', 'completed']);
  });
});
