/**
 * The HTTP load generator, in a process of its own (forked by bench/load-client.ts), so that the
 * engine's process pays only for serving the requests: the CPU the clients spend is measured apart.
 * Each order it gets over IPC: send `count` events to the API with `concurrency` keep-alive clients,
 * one per request (`/v1/track`) or `batchSize` per request (`/v1/batch`); it answers with the seconds
 * from the first request to the last response and how many events the API stored.
 */
import { rate } from './measure.js';

export interface LoadOrder {
  id: number;
  url: string;
  authorization: string;
  /** `track`: one event per request; `batch`: `batchSize` per request through /v1/batch. */
  kind: 'track' | 'batch';
  event: string;
  /** The userId of event i: `${prefix}-${Math.floor(i / eventsPerUser)}`; messageIds `${prefix}-m${i}`. */
  prefix: string;
  /** Another round of events for the same users: messageIds `${round}-m${i}` (default: the prefix). */
  round?: string;
  eventsPerUser: number;
  count: number;
  batchSize: number;
  concurrency: number;
}

export interface LoadResult {
  id: number;
  seconds: number;
  stored: number;
  error?: string;
}

const message = (order: LoadOrder, i: number) => ({
  type: 'track',
  userId: `${order.prefix}-${Math.floor(i / order.eventsPerUser)}`,
  event: order.event,
  messageId: `${order.round ?? order.prefix}-m${i}`,
  properties: { i },
});

async function post(order: LoadOrder, path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${order.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: order.authorization },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
  return response.json();
}

async function run(order: LoadOrder): Promise<LoadResult> {
  let stored = 0;
  const requests = order.kind === 'track' ? order.count : Math.ceil(order.count / order.batchSize);
  const started = performance.now();
  await rate(requests, order.concurrency, async (r) => {
    if (order.kind === 'track') {
      await post(order, '/v1/track', message(order, r));
      stored++;
      return;
    }
    const first = r * order.batchSize;
    const batch = Array.from({ length: Math.min(order.batchSize, order.count - first) }, (_, j) =>
      message(order, first + j),
    );
    const reply = (await post(order, '/v1/batch', { batch })) as { stored?: number };
    stored += reply.stored ?? 0;
  });
  return { id: order.id, seconds: (performance.now() - started) / 1000, stored };
}

process.on('message', (order: LoadOrder) => {
  void run(order).then(
    (result) => process.send?.(result),
    (error: unknown) => process.send?.({ id: order.id, seconds: 0, stored: 0, error: String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
