import { defineJourney } from './define-journey.js';

const sameCart = {
  path: 'event.properties.cart_id',
  op: 'eq',
  value: { ref: 'trigger.properties.cart_id' },
} as const;

/**
 * Enter on an add-to-cart, one run per cart; leave at once when that cart's order completes.
 * ~1 h: push, else email. ~24 h: email. ~48 h: an incentive by SMS (with SMS consent), else email.
 */
export default defineJourney({
  id: 'abandoned-cart',
  name: 'Abandoned cart',
  description:
    'Reminds a customer of the cart they left, three times at most, and stops the moment they buy.',
  trigger: { event: 'Product Added', entryKey: 'trigger.properties.cart_id' },
  reEntry: { mode: 'cooldown', cooldown: '7d' },
  goal: { event: 'Order Completed', where: sameCart, within: '7d' },
  exit: [{ event: 'Cart Emptied', where: sameCart }],
  steps: [
    { id: 'wait-1h', type: 'wait', duration: '1h' },
    {
      id: 'reminder-1',
      type: 'send',
      template: 'cart-reminder',
      channels: ['push', 'email'],
      intentKey: 'cart-reminder',
      intentWindow: '20h',
      overCap: 'nextChannel',
    },
    { id: 'wait-24h', type: 'wait', duration: '23h' },
    {
      id: 'reminder-2',
      type: 'send',
      template: 'cart-reminder-last-call',
      channels: ['email'],
      intentKey: 'cart-reminder-2',
      overCap: 'defer',
    },
    { id: 'wait-48h', type: 'wait', duration: '24h' },
    {
      id: 'incentive',
      type: 'send',
      template: 'cart-incentive',
      channels: ['sms', 'email'],
      intentKey: 'cart-incentive',
      intentWindow: '7d',
      tags: ['incentive'],
      overCap: 'defer',
    },
    { id: 'done', type: 'end' },
  ],
});
