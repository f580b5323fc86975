import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { searchAttributeNames, searchAttributes } from '../domain/search-attributes.js';
import { freePort } from '../infra/free-port.js';
import { ensureSearchAttributes } from '../infra/temporal-cluster.js';
import { startTemporalDevServer } from '../infra/temporal-dev-server.js';
import { finishSignal, type waitWithStep } from './fixtures/workflows.js';
import { connectDevServer, createTestWorker, type DevServerClients } from './helpers/temporal.js';

/** The dev server as ops use it: runs found by the project's search attributes. */
describe('dev server visibility', () => {
  let server: DevServerClients;
  let worker: Worker;
  let taskQueue: string;
  let running: Promise<void>;

  beforeAll(async () => {
    server = await connectDevServer();
    ({ worker, taskQueue } = await createTestWorker({ connection: server.nativeConnection }));
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await server?.close();
  });

  it('has every search attribute registered as Keyword, and registering again is a no-op', async () => {
    const logged: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(line) });
    await ensureSearchAttributes(server.connection, 'default', logger);
    expect(logged).toEqual([]); // nothing added, nothing failed
    const listed = await server.connection.operatorService.listSearchAttributes({ namespace: 'default' });
    for (const name of searchAttributeNames) expect(listed.customAttributes?.[name], name).toBe(2); // KEYWORD
  });

  it('registers the missing search attributes on a cluster that lacks them (TEMPORAL_ADDRESS case)', async () => {
    const bare = await startTemporalDevServer({
      executable: inject('temporalCli'),
      port: await freePort(),
      namespace: 'default',
      registerSearchAttributes: false,
    });
    const connection = await Connection.connect({ address: bare.address });
    try {
      const before = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      expect(Object.keys(before.customAttributes ?? {})).not.toContain('CustomerId');
      await ensureSearchAttributes(connection, 'default', pino({ level: 'silent' }));
      const after = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      for (const name of searchAttributeNames) expect(after.customAttributes?.[name], name).toBe(2);
    } finally {
      await connection.close();
      await bare.stop();
    }
  });

  it('finds a run by CustomerId and JourneyId, and sees the step it set', async () => {
    const customerId = `cust-${randomUUID()}`;
    const handle = await server.client.workflow.start<typeof waitWithStep>('waitWithStep', {
      taskQueue,
      workflowId: `journey/abandoned-cart/${customerId}/cart-1`,
      args: ['reminder-1'],
      typedSearchAttributes: [
        { key: searchAttributes.CustomerId, value: customerId },
        { key: searchAttributes.JourneyId, value: 'abandoned-cart' },
        { key: searchAttributes.EntryKey, value: 'cart-1' },
      ],
    });
    const query = `JourneyId='abandoned-cart' AND CustomerId='${customerId}' AND JourneyStep='reminder-1'`;
    let found: string[] = [];
    for (let attempt = 0; attempt < 40 && found.length === 0; attempt++) {
      found = [];
      for await (const run of server.client.workflow.list({ query })) found.push(run.workflowId);
      if (found.length === 0) await sleep(250);
    }
    expect(found).toEqual([handle.workflowId]);
    await handle.signal(finishSignal);
    expect(await handle.result()).toBe('finished');
  });
});
