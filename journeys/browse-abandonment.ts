import { defineJourney } from './define-journey.js';

/** Looked at a product and left: next day a reminder of exactly that product, unless they added it to a cart. */
export default defineJourney({
  id: 'browse-abandonment',
  name: 'Browse abandonment',
  description: 'A day after a product view without an add-to-cart, remind the customer of that product.',
  trigger: { event: 'Product Viewed', entryKey: 'trigger.properties.product_id' },
  reEntry: { mode: 'cooldown', cooldown: '14d' },
  exit: [{ event: 'Product Added' }, { event: 'Order Completed' }],
  steps: [
    { id: 'wait-1d', type: 'wait', duration: '1d' },
    {
      id: 'reminder',
      type: 'send',
      template: 'browse-reminder',
      channels: ['push', 'email'],
      intentKey: 'browse-reminder',
      intentWindow: '3d',
    },
  ],
});
