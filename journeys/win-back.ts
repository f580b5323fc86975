import { defineJourney } from './define-journey.js';

/** No order in 60 days after the last one: one win-back message, unless they buy first. */
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
