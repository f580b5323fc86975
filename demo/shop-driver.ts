import { setTimeout as sleep } from 'node:timers/promises';
import { postBatch, type IngestTarget } from '../api/ingest-client.js';
import { zoneWhereItIs } from '../domain/local-time.js';
import type { Logger } from '../infra/logger.js';
import type { PushService } from './push-service.js';
import { simulateShop } from './shop-simulation.js';

export interface ShopDriver {
  /** Resolves when every simulated message was sent (or the driver was stopped). */
  done: Promise<void>;
  sent(): number;
  stop(): void;
}

/**
 * Plays a simulated shop through the real ingest API as it happens: each customer's sign-up,
 * browsing, cart and (for some) order arrive at their simulated times within `durationMs`. Half of
 * the customers also allow web push, with subscriptions from the local push service.
 */
export function driveShop(options: {
  api: IngestTarget;
  push?: PushService;
  customers: number;
  durationMs: number;
  logger: Logger;
  seed?: number;
}): ShopDriver {
  const start = new Date();
  const runId = start.getTime().toString(36);
  const messages = simulateShop({
    seed: options.seed,
    customers: options.customers,
    from: start,
    to: new Date(start.getTime() + options.durationMs),
    timeZones: [10, 13, 16].map((hour) => zoneWhereItIs(hour, start)),
    userPrefix: `demo-${runId}`,
  });
  let sent = 0;
  let stopped = false;
  const subscribed = new Set<string>();

  const subscribe = async (userId: string) => {
    if (!options.push || subscribed.has(userId) || subscribed.size * 2 >= options.customers) return;
    subscribed.add(userId);
    const response = await fetch(`${options.api.url}/v1/push/subscriptions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${options.api.writeKey}:`).toString('base64')}`,
      },
      body: JSON.stringify({ userId, subscription: options.push.subscribe() }),
    });
    if (!response.ok) options.logger.warn({ status: response.status }, 'demo: push subscription refused');
  };

  const done = (async () => {
    for (const message of messages) {
      if (stopped) return;
      // Bounded: the wait is at most the simulated duration, checked every 5 s for a stop.
      while (!stopped && Date.parse(message.timestamp) > Date.now())
        await sleep(Math.min(Date.parse(message.timestamp) - Date.now(), 5_000));
      if (stopped) return;
      try {
        await postBatch(options.api, [message], { retryUnreachable: true });
        if (message.type === 'identify') await subscribe(message.userId);
        sent++;
      } catch (error) {
        options.logger.warn({ err: error }, 'demo: an event could not be sent');
      }
    }
  })();
  return { done, sent: () => sent, stop: () => void (stopped = true) };
}
