import { defineJourney } from '../define-journey.js';

/**
 * The win-back as it shipped before segments (issue 20): one run per order, each waiting 60 days on
 * its own timer, so every customer who ever ordered holds a waiting workflow. Not a built-in any
 * more; kept for its runs still in flight (their version is a snapshot and replays as recorded),
 * for scripts/measure-win-back.ts (before and after) and for the replay test.
 */
export default defineJourney({
  id: 'win-back',
  name: 'Win-back',
  description: 'Sixty days after an order with no newer order, invites the customer back.',
  // One run per order; a newer order ends the older runs, so only the latest order's clock counts.
  trigger: { event: 'Order Completed', entryKey: 'trigger.properties.order_id' },
  reEntry: { mode: 'never' },
  exit: [
    {
      event: 'Order Completed',
      where: { path: 'event.properties.order_id', op: 'neq', value: { ref: 'trigger.properties.order_id' } },
    },
  ],
  steps: [
    { id: 'wait-60d', type: 'wait', duration: '60d' },
    {
      id: 'win-back',
      type: 'send',
      template: 'win-back',
      channels: ['email', 'push'],
      intentKey: 'win-back',
      intentWindow: '30d',
    },
  ],
});
