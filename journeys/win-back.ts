import { defineJourney } from './define-journey.js';

/**
 * A customer lapses (segments/lapsed-customers.yaml: ordered before, no order in 60 days): one
 * win-back message, unless they order first. Nothing waits until someone lapses: the segment's
 * window edge, not a 60-day timer per order, starts the run.
 */
export default defineJourney({
  id: 'win-back',
  name: 'Win-back',
  description: 'When a customer lapses (no order in 60 days after ordering before), invites them back.',
  trigger: { segment: 'lapsed-customers', on: 'enter' },
  // Each lapse is an entry: a customer who comes back and lapses again is invited again.
  reEntry: { mode: 'always' },
  exit: [
    {
      event: 'Segment Left',
      where: { path: 'event.properties.segment', op: 'eq', value: 'lapsed-customers' },
    },
    { event: 'Order Completed' },
  ],
  steps: [
    {
      id: 'win-back',
      type: 'send',
      template: 'win-back',
      channels: ['email', 'push'],
      // The per-order runs still in flight use the same intent: a customer they invite is not invited twice.
      intentKey: 'win-back',
      intentWindow: '30d',
    },
  ],
});
