import { createActivities } from '../../activities/index.js';
import type { Database } from '../../db/client.js';
import { createBatchDelivery } from '../../delivery/batch-delivery.js';
import type { ChannelAdapter } from '../../delivery/channel-adapter.js';
import { templates } from '../../journeys/templates.js';
import { workflowsPath } from '../../worker/create-worker.js';
import { connectDevServer, createTestWorker, type DevServerClients } from './temporal.js';

/**
 * A worker of the engine's own workflows and activities on the dev server, its batch delivery on
 * the given email adapter (a recording or no-op one: no network peer needed), marketing allowed.
 */
export interface BroadcastWorker {
  temporal: DevServerClients;
  taskQueue: string;
  stop(): Promise<void>;
}

export async function startBroadcastWorker(db: Database, adapter: ChannelAdapter): Promise<BroadcastWorker> {
  const temporal = await connectDevServer();
  const batchDelivery = createBatchDelivery({
    db,
    adapters: [adapter],
    templates,
    unsubscribe: { secret: 'u'.repeat(64), baseUrl: 'http://127.0.0.1:3000' },
  });
  const { worker, taskQueue } = await createTestWorker({
    connection: temporal.nativeConnection,
    activities: createActivities({ db, batchDelivery }),
    workflowsPath,
  });
  const running = worker.run();
  return {
    temporal,
    taskQueue,
    async stop() {
      worker.shutdown();
      await running.catch(() => undefined);
      await temporal.close();
    },
  };
}
