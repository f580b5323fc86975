import { defineJourney } from './define-journey.js';

/** A new subscriber: welcome now, favourites after two days; the first-purchase offer only to those who have not bought. */
export default defineJourney({
  id: 'welcome-series',
  name: 'Welcome series',
  description:
    'Welcomes a new sign-up and offers a first-purchase discount only to customers who have never ordered.',
  trigger: { event: 'Signed Up' },
  reEntry: { mode: 'never' },
  steps: [
    { id: 'welcome', type: 'send', template: 'welcome-1', channels: ['email'], intentKey: 'welcome' },
    { id: 'wait-2d', type: 'wait', duration: '2d' },
    {
      id: 'favourites',
      type: 'send',
      template: 'welcome-2',
      channels: ['email'],
      intentKey: 'welcome-favourites',
    },
    { id: 'wait-3d', type: 'wait', duration: '3d' },
    {
      id: 'has-ordered',
      type: 'branch',
      when: { path: 'profile.orderCount', op: 'gt', value: 0 },
      then: 'done',
      else: 'first-purchase-offer',
    },
    {
      id: 'first-purchase-offer',
      type: 'send',
      template: 'first-purchase-offer',
      channels: ['email'],
      intentKey: 'first-purchase-offer',
      intentWindow: '30d',
    },
    { id: 'done', type: 'end' },
  ],
});
