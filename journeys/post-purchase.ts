import { defineJourney } from './define-journey.js';

/** After an order: a thank-you with related products — never a first-purchase discount to someone who just bought. */
export default defineJourney({
  id: 'post-purchase',
  name: 'Post-purchase thank-you',
  description: 'Thanks the customer an hour after each order and suggests related products.',
  trigger: { event: 'Order Completed', entryKey: 'trigger.properties.order_id' },
  reEntry: { mode: 'always' },
  steps: [
    { id: 'wait-1h', type: 'wait', duration: '1h' },
    {
      id: 'thank-you',
      type: 'send',
      template: 'order-thank-you',
      channels: ['email'],
      intentKey: 'order-thank-you',
      category: 'transactional',
    },
  ],
});
